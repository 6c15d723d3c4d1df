"""What both CRMs' mapping checks share: the mapped fields the connector writes, whose CRM
fields must therefore accept values (a read-only one would fail every update it is in), and
those whose values are mapped."""

from connector.domain.outcomes import UpdatableField
from connector.mapping.crm_schema import ContactField, ValueMaps

#: The fields an update can carry, plus the stage the connector last wrote (its own field).
WRITTEN_FIELDS = frozenset(
    {*(ContactField(field.value) for field in UpdatableField), ContactField.CONNECTOR_STAGE}
)
#: The fields read through a value map (`values:`), each map named as its field.
VALUE_MAPPED = tuple(ContactField(name) for name in ValueMaps.model_fields)
