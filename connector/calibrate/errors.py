"""The one error both commands raise for input they cannot use (exit 2, nothing written)."""


class CalibrationError(Exception):
    """History, rules or options that cannot give a trustworthy result (the message says why)."""


def require_sklearn() -> None:
    """Fail early, with the install command, when the `calibrate` extra is missing."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise CalibrationError(
            "calibrate and backtest need scikit-learn: "
            "pip install 'crm-lifecycle-connector[calibrate]'"
        ) from None
