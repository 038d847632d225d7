"""Small output and input serializers of the trading API. Quantities are whole tonnes, sent as
decimal strings like every figure of the portal; kinds and statuses are named enums."""

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from reporting.api.common import EnumField

from ..choices import AccountKind, AccountStatus, TransactionKind
from ..documents import verification_url
from ..selectors.certificates import certificate_state

UNITS = {"max_digits": 18, "decimal_places": 0}


class AccountHoldingOutputSerializer(serializers.Serializer):
    instrument = serializers.CharField(source="instrument.code", help_text="For example SHEA-2026.")
    quantity_t = serializers.DecimalField(help_text="Whole tonnes, as a string.", **UNITS)


class RegistryAccountOutputSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="H followed by the holder's credit code for a holding account.")
    kind = EnumField(AccountKind)
    status = EnumField(AccountStatus)
    holder_uscc = serializers.CharField(source="holder.uscc", allow_null=True, default=None)
    holder_name_zh = serializers.CharField(source="holder.name_zh", allow_null=True, default=None)
    holder_name_en = serializers.CharField(source="holder.name_en", allow_null=True, default=None)
    trading_prohibited = serializers.BooleanField(help_text="Art. 32 para 2: it neither sends nor receives.")
    prohibition_reason = serializers.CharField()
    opened_at = serializers.DateTimeField()
    holdings = AccountHoldingOutputSerializer(many=True, source="holdings.all")


class LedgerEntryOutputSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    account = serializers.CharField(source="account.number")
    instrument = serializers.CharField(source="instrument.code")
    quantity_t = serializers.DecimalField(help_text="Signed: positive credited, negative debited.", **UNITS)


class LedgerTransactionOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    sequence = serializers.IntegerField(help_text="Position in the chain.")
    kind = EnumField(TransactionKind)
    recorded_at = serializers.DateTimeField()
    memo = serializers.CharField()
    reference = serializers.CharField()
    reverses = serializers.CharField(source="reverses.code", allow_null=True, default=None)
    sha256 = serializers.CharField(help_text="The transaction's hash.")
    prev_sha256 = serializers.CharField(help_text="The hash of the transaction before it in the chain.")
    entries = LedgerEntryOutputSerializer(many=True, source="entries.all")


class AccountHistoryOutputSerializer(serializers.Serializer):
    code = serializers.CharField(source="transaction.code")
    sequence = serializers.IntegerField(source="transaction.sequence")
    kind = EnumField(TransactionKind, source="transaction.kind")
    recorded_at = serializers.DateTimeField(source="transaction.recorded_at")
    memo = serializers.CharField(source="transaction.memo")
    instrument = serializers.CharField(source="entry.instrument.code")
    quantity_t = serializers.DecimalField(
        source="entry.quantity_t", help_text="Signed: positive received, negative sent.", **UNITS
    )
    counterparties = serializers.ListField(
        child=serializers.CharField(), help_text="The account numbers on the other side."
    )


class TransferInputSerializer(serializers.Serializer):
    from_account = serializers.CharField(max_length=32, help_text="Your unit's holding account number.")
    to_account = serializers.CharField(max_length=32, help_text="The receiving holding account number.")
    instrument = serializers.CharField(max_length=32, help_text="For example SHEA-2026.")
    quantity_t = serializers.IntegerField(min_value=1, help_text="Whole tonnes.")
    memo = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    reference = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class VerifiedEntryOutputSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.number")
    instrument = serializers.CharField(source="instrument.code")
    quantity_t = serializers.DecimalField(**UNITS)


class ChainHeadOutputSerializer(serializers.Serializer):
    day = serializers.DateField()
    last_sequence = serializers.IntegerField()
    sha256 = serializers.CharField()
    transactions = serializers.IntegerField()


class ChainProblemOutputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The transaction where the chain breaks.")
    message = serializers.CharField()


class LedgerVerificationOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    verified = serializers.BooleanField(
        help_text="The transaction's data match its hash and the chain leads from it to a published head."
    )
    kind = EnumField(TransactionKind)
    recorded_on = serializers.DateField()
    sequence = serializers.IntegerField()
    sha256 = serializers.CharField()
    prev_sha256 = serializers.CharField()
    entries = VerifiedEntryOutputSerializer(many=True)
    head = ChainHeadOutputSerializer(allow_null=True, help_text="Null until the head of its day is published.")
    problems = ChainProblemOutputSerializer(many=True)


class CancellationInputSerializer(serializers.Serializer):
    account = serializers.CharField(max_length=32, help_text="Your unit's holding account number.")
    instrument = serializers.CharField(max_length=32, help_text="For example SHEA-2026.")
    quantity_t = serializers.IntegerField(min_value=1, max_value=10**15, help_text="Whole tonnes.")
    purpose = serializers.CharField(
        max_length=300, help_text="The public-welfare purpose, printed on the certificate and shown publicly."
    )


class CancellationOutputSerializer(LedgerTransactionOutputSerializer):
    """The recorded cancellation, with where anyone verifies it and where the holder gets its certificate."""

    verification_url = serializers.SerializerMethodField(
        help_text="The public page that verifies the transaction by its code, no sign-in needed."
    )
    certificate_url = serializers.SerializerMethodField(
        help_text="The certificate PDF for the holder's staff (signed in); it is prepared after the "
        "cancellation is recorded, see `certificate_ready`."
    )
    certificate_ready = serializers.SerializerMethodField(
        help_text="False while the certificate is still being prepared."
    )

    def get_verification_url(self, tx) -> str:
        return verification_url(tx.code)

    def get_certificate_url(self, tx) -> str:
        return f"{settings.PORTAL_BASE_URL.rstrip('/')}{reverse('trading:certificate_download', args=[tx.code])}"

    def get_certificate_ready(self, tx) -> bool:
        return certificate_state(tx).ready is not None


class ExchangeTransferInputSerializer(serializers.Serializer):
    from_account = serializers.CharField(max_length=32, help_text="The seller's holding account number.")
    to_account = serializers.CharField(max_length=32, help_text="The buyer's holding account number.")
    instrument = serializers.CharField(max_length=32, help_text="For example SHEA-2026.")
    quantity_t = serializers.IntegerField(min_value=1, max_value=10**15, help_text="Whole tonnes.")
    trade_reference = serializers.CharField(
        max_length=64,
        help_text="The exchange's trade number, such as SEEE-2026-11-0001: letters, digits and . _ / - only. "
        "A trade is recorded once.",
    )
    trade_date = serializers.DateField(help_text="The day the transfer was concluded; not in the future.")


class ReportedTransferOutputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The ledger transaction that records the transfer.")
    sequence = serializers.IntegerField(source="transaction.sequence", help_text="Position in the chain.")
    recorded_at = serializers.DateTimeField()
    trade_reference = serializers.CharField()
    trade_date = serializers.DateField(allow_null=True)
    from_account = serializers.CharField(source="seller.number")
    from_holder_name_zh = serializers.CharField(source="seller.holder.name_zh")
    to_account = serializers.CharField(source="buyer.number")
    to_holder_name_zh = serializers.CharField(source="buyer.holder.name_zh")
    instrument = serializers.CharField(source="instrument.code")
    quantity_t = serializers.DecimalField(help_text="Whole tonnes, as a string.", **UNITS)
    memo = serializers.CharField(source="transaction.memo")
    reported_by = serializers.CharField(source="transaction.actor.email")
    sha256 = serializers.CharField(source="transaction.sha256", help_text="The transaction's hash.")
