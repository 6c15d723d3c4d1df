"""CRM-neutral sandbox machinery the HubSpot and Salesforce emulators build on."""

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.common.faults import ERROR_FAULTS, Fault, FaultInjector, FaultPlan
from connector.sandbox.common.http import (
    JSON_CONTENT_TYPE,
    UNMATCHED_ENDPOINT,
    BadRequestBody,
    EmulatorApp,
    EmulatorServer,
    Handler,
    Headers,
    Request,
    Response,
    Router,
    dumps_json,
)
from connector.sandbox.common.limits import ConcurrencyLimiter, DailyCounter, RollingWindowLimiter
from connector.sandbox.common.request_log import LoggedRequest, RequestLog
from connector.sandbox.common.tls import TlsMaterial, make_tls_material

__all__ = [
    "ERROR_FAULTS",
    "JSON_CONTENT_TYPE",
    "UNMATCHED_ENDPOINT",
    "BadRequestBody",
    "ConcurrencyLimiter",
    "DailyCounter",
    "EmulatorApp",
    "EmulatorServer",
    "Fault",
    "FaultInjector",
    "FaultPlan",
    "Handler",
    "Headers",
    "LoggedRequest",
    "Request",
    "RequestLog",
    "Response",
    "RollingWindowLimiter",
    "Router",
    "SandboxConfig",
    "TlsMaterial",
    "dumps_json",
    "make_tls_material",
]
