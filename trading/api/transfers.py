"""Art. 12: a unit's own systems transfer allowances between holding accounts.

Every request carries an `Idempotency-Key` header: sent again with the same key and body, the
transfer is not made twice and the first answer is given again (200 instead of 201); the same key
with another body is refused (409). Keys are the caller's own: another user's key is a new key.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from carbon_portal.api import PortalApiView

from ..forms import is_idempotency_conflict
from ..models import Account, Instrument
from ..permissions import require_account_holder
from ..selectors import accounts as selectors
from ..services.acts import transfer
from .serializers import LedgerTransactionOutputSerializer, TransferInputSerializer

TAGS = ["trading: transfers"]
KEY_HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 80


def api_key(user, key: str) -> str:
    return f"api-{user.pk}-{key}"


def transaction_body(tx) -> dict:
    """The same body for the first answer and every replay."""
    tx = selectors.transaction_detail(tx.code)
    return LedgerTransactionOutputSerializer(tx).data


def idempotency_key(request, missing: str) -> str:
    """The request's Idempotency-Key header; `missing` says why it is needed when it is not sent."""
    key = request.headers.get(KEY_HEADER, "").strip()
    if not key:
        raise ValidationError({"idempotency_key": missing})
    if len(key) > KEY_MAX_LENGTH:
        raise ValidationError(
            {"idempotency_key": _("The Idempotency-Key header is at most %(n)s characters.") % {"n": KEY_MAX_LENGTH}}
        )
    return key


class TransferApi(PortalApiView):
    @extend_schema(
        operation_id="trading_transfers_create",
        summary="Transfer allowances to another holding account",
        description="Moves whole tonnes from your unit's holding account. Refused with nothing recorded "
        "when the account holds too little, or either account may not trade (Art. 32 para 2).",
        parameters=[
            OpenApiParameter(
                KEY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="A key of your own (a UUID, say), at most 80 characters. The same key and body "
                "replay the first answer; the same key with another body is a 409.",
            )
        ],
        request=TransferInputSerializer,
        responses={
            201: LedgerTransactionOutputSerializer,
            200: OpenApiResponse(
                LedgerTransactionOutputSerializer, description="A replay: recorded by an earlier call."
            ),
            400: OpenApiResponse(description="Field errors in the caller's language; nothing recorded."),
            403: OpenApiResponse(description="You may see the account but not move its units."),
            404: OpenApiResponse(description="Not an account you may see."),
            409: OpenApiResponse(description="The key was used for a different request; nothing recorded."),
        },
        tags=TAGS,
    )
    def post(self, request):
        key = idempotency_key(request, _("Send an Idempotency-Key header: a transfer is made once per key."))
        data = TransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        from_account = selectors.account_for(request.user, data["from_account"].strip().upper())
        require_account_holder(request.user, from_account)
        errors = {}
        to_account = Account.objects.filter(number=data["to_account"].strip().upper()).first()
        if to_account is None:
            errors["to_account"] = _("No account has this number.")
        instrument = Instrument.objects.filter(code=data["instrument"].strip().upper()).first()
        if instrument is None:
            errors["instrument"] = _("No instrument has this code.")
        if errors:
            raise ValidationError(errors)
        try:
            posted = transfer(
                actor=request.user,
                from_account=from_account,
                to_account=to_account,
                instrument=instrument,
                quantity_t=data["quantity_t"],
                idempotency_key=api_key(request.user, key),
                memo=data["memo"],
                reference=data["reference"],
            )
        except ValidationError as exc:
            if is_idempotency_conflict(exc):
                return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
            raise
        answer = status.HTTP_200_OK if posted.replayed else status.HTTP_201_CREATED
        return Response(transaction_body(posted.transaction), status=answer)
