"""Everything that speaks one CRM: one package per CRM, all with the verbs in `base`."""
