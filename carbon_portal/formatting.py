"""Numbers as people read them in a regulatory notice: grouped by thousands, exact decimals."""

from decimal import Decimal


def format_tonnes(value: Decimal | None) -> str:
    """12000.5 -> '12,000.500'; whole thresholds keep no decimals: 10000 -> '10,000'."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.3f}"


def format_tco2e(value: Decimal | None) -> str:
    """Reported emissions always show the reporting precision: 300 -> '300.000'."""
    return "—" if value is None else f"{Decimal(value):,.3f}"


def format_yuan(value: Decimal | None) -> str:
    return "—" if value is None else f"{Decimal(value):,.2f}"


def format_amount(value: Decimal | None) -> str:
    """Activity data as entered, grouped, without column padding: 12000.500000 -> '12,000.5'."""
    if value is None:
        return "—"
    return f"{Decimal(value).normalize():,f}"


def format_signed_tco2e(value: Decimal | None) -> str:
    """A difference: '+420.000', '-12.500', '0.000'."""
    if value is None:
        return "—"
    return ("+" if Decimal(value) > 0 else "") + format_tco2e(value)
