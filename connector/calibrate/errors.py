"""The one error both commands raise for input they cannot use (exit 2, nothing written)."""


class CalibrationError(Exception):
    """History, rules or options that cannot give a trustworthy result (the message says why)."""


class MissingExtraError(CalibrationError):
    """scikit-learn (the `calibrate` extra) is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "calibrate and backtest need scikit-learn: "
            "pip install 'crm-lifecycle-connector[calibrate]'"
        )


def require_sklearn() -> None:
    """Fail early, with the install command."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise MissingExtraError() from None
