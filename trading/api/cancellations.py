"""A unit's own systems cancel allowances voluntarily, for a public-welfare purpose (DOMAIN.md
"Allowances"): the units leave circulation for good, and a certificate is prepared.

Idempotent like transfers (trading/api/transfers.py): the `Idempotency-Key` header, the same key
and body replay the first answer (200 instead of 201), the same key with another body is a 409.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from carbon_portal.api import PortalApiView

from ..forms import is_idempotency_conflict
from ..models import Instrument
from ..permissions import require_account_holder
from ..selectors import accounts as selectors
from ..services.acts import cancel_voluntarily
from ..services.certificates import certificate_request
from .serializers import CancellationInputSerializer, CancellationOutputSerializer
from .transfers import KEY_HEADER, api_key, idempotency_key

TAGS = ["trading: cancellations"]


def cancellation_body(tx) -> dict:
    """The same body for the first answer and every replay."""
    return CancellationOutputSerializer(selectors.transaction_detail(tx.code)).data


class CancellationApi(PortalApiView):
    @extend_schema(
        operation_id="trading_cancellations_create",
        summary="Cancel allowances voluntarily",
        description="Takes whole tonnes off your unit's holding account for good, for the public-welfare "
        "purpose given, and asks for the cancellation certificate. Refused with nothing recorded when the "
        "account holds too little, is not open, or may not trade (Art. 32 para 2). The answer carries the "
        "transaction code, the public page that verifies it and the certificate's address.",
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
        request=CancellationInputSerializer,
        examples=[
            OpenApiExample(
                "Offsetting an event",
                value={
                    "account": "H91310000MA1FL0000X",
                    "instrument": "SHEA-2026",
                    "quantity_t": 250,
                    "purpose": "Carbon neutrality of the Shanghai Marathon 2026",
                },
                request_only=True,
            )
        ],
        responses={
            201: CancellationOutputSerializer,
            200: OpenApiResponse(CancellationOutputSerializer, description="A replay: recorded by an earlier call."),
            400: OpenApiResponse(
                description="Field errors, or `non_field_errors` (too little held, account not open or may not "
                "trade), in the caller's language; nothing recorded."
            ),
            403: OpenApiResponse(description="You may see the account but not move its units."),
            404: OpenApiResponse(description="Not an account you may see."),
            409: OpenApiResponse(description="The key was used for a different request; nothing recorded."),
        },
        tags=TAGS,
    )
    def post(self, request):
        key = idempotency_key(request, _("Send an Idempotency-Key header: a cancellation is made once per key."))
        data = CancellationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        account = selectors.account_for(request.user, data["account"].strip().upper())
        require_account_holder(request.user, account)
        instrument = Instrument.objects.filter(code=data["instrument"].strip().upper()).first()
        if instrument is None:
            raise ValidationError({"instrument": _("No instrument has this code.")})
        ledger_key = api_key(request.user, key)
        try:
            with transaction.atomic():
                posted = cancel_voluntarily(
                    actor=request.user,
                    from_account=account,
                    instrument=instrument,
                    quantity_t=data["quantity_t"],
                    idempotency_key=ledger_key,
                    purpose=data["purpose"],
                )
                if not posted.replayed:
                    certificate_request(actor=request.user, transaction=posted.transaction)
        except ValidationError as exc:
            if is_idempotency_conflict(exc):
                return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
            raise
        answer = status.HTTP_200_OK if posted.replayed else status.HTTP_201_CREATED
        return Response(cancellation_body(posted.transaction), status=answer)
