"""Art. 31 and Art. 12: the exchange's systems report the agreement transfers concluded on its
platform, and read back what they reported. Exchange staff only.

Idempotent like holder transfers (trading/api/transfers.py): the `Idempotency-Key` header, the same
key and body replay the first answer (200 instead of 201), the same key with another body is a 409.
Apart from the key, a trade reference is recorded once: another key with a reference already on
record is a 400.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from carbon_portal.api import PortalApiView, PortalPagination

from ..forms import is_idempotency_conflict
from ..models import Account, Instrument
from ..permissions import require_exchange
from ..selectors import exchange as selectors
from ..services.exchange import transfer_reported
from .serializers import ExchangeTransferInputSerializer, ReportedTransferOutputSerializer
from .transfers import KEY_HEADER, api_key, idempotency_key

TAGS = ["trading: exchange"]
NOT_EXCHANGE = OpenApiResponse(description="Only the exchange's staff report and read agreement transfers.")


class ExchangeTransferApi(PortalApiView):
    pagination_class = PortalPagination

    @extend_schema(
        operation_id="trading_exchange_transfers_list",
        summary="The agreement transfers your exchange reported, newest first",
        responses={200: ReportedTransferOutputSerializer(many=True), 403: NOT_EXCHANGE},
        tags=TAGS,
    )
    def get(self, request):
        exchanges = require_exchange(request.user)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.reported_transactions(exchanges), request, view=self)
        rows = selectors.reported_rows(page)
        return paginator.get_paginated_response(ReportedTransferOutputSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="trading_exchange_transfers_create",
        summary="Report an agreement transfer concluded on the exchange",
        description="Records the transfer of whole tonnes from the seller's holding account to the buyer's. "
        "Refused with nothing recorded when the seller holds too little, either account is not open or may not "
        "trade (Art. 32 para 2), the trade date is in the future, or the trade reference is already recorded. "
        "Both units' staff are notified.",
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
        request=ExchangeTransferInputSerializer,
        examples=[
            OpenApiExample(
                "An agreement transfer",
                value={
                    "from_account": "H91310000MA1FL0000X",
                    "to_account": "H91310000MA1FL1111Y",
                    "instrument": "SHEA-2026",
                    "quantity_t": 5000,
                    "trade_reference": "SEEE-2026-11-0001",
                    "trade_date": "2026-11-20",
                },
                request_only=True,
            )
        ],
        responses={
            201: ReportedTransferOutputSerializer,
            200: OpenApiResponse(
                ReportedTransferOutputSerializer, description="A replay: recorded by an earlier call."
            ),
            400: OpenApiResponse(
                description="Field errors, or `non_field_errors` (too little held, account not open or may not "
                "trade), in the caller's language; nothing recorded."
            ),
            403: NOT_EXCHANGE,
            409: OpenApiResponse(description="The key was used for a different request; nothing recorded."),
        },
        tags=TAGS,
    )
    def post(self, request):
        require_exchange(request.user)
        key = idempotency_key(request, _("Send an Idempotency-Key header: a transfer is recorded once per key."))
        data = ExchangeTransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        found, errors = {}, {}
        for name in ("from_account", "to_account"):
            found[name] = Account.objects.filter(number=data[name].strip().upper()).select_related("holder").first()
            if found[name] is None:
                errors[name] = _("No account has this number.")
        instrument = Instrument.objects.filter(code=data["instrument"].strip().upper()).first()
        if instrument is None:
            errors["instrument"] = _("No instrument has this code.")
        if errors:
            raise ValidationError(errors)
        try:
            posted = transfer_reported(
                actor=request.user,
                from_account=found["from_account"],
                to_account=found["to_account"],
                instrument=instrument,
                quantity_t=data["quantity_t"],
                trade_reference=data["trade_reference"],
                trade_date=data["trade_date"],
                idempotency_key=api_key(request.user, key),
            )
        except ValidationError as exc:
            if is_idempotency_conflict(exc):
                return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
            raise
        answer = status.HTTP_200_OK if posted.replayed else status.HTTP_201_CREATED
        body = ReportedTransferOutputSerializer(selectors.reported_transfer(posted.transaction.code)).data
        return Response(body, status=answer)
