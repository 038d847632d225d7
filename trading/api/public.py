"""Public, no sign-in: anyone verifies a ledger transaction by its code (Art. 12). No personal
data: the kind, day, instruments, quantities and account numbers only."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from carbon_portal.api import PortalApiView

from ..selectors.accounts import public_entries
from ..selectors.chain import verify_code
from .serializers import LedgerVerificationOutputSerializer

TAGS = ["trading: public"]


class VerifyApi(PortalApiView):
    # No authentication at all: a stale token or session must not turn a public read into a 401.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="trading_verify_retrieve",
        summary="Verify a ledger transaction by its code",
        description="Recomputes the transaction's hash and follows the chain to the first published head at "
        "or after it. `verified` is false until the head of its day is published, or when the chain is broken "
        "(see `problems`).",
        responses={
            200: LedgerVerificationOutputSerializer,
            404: OpenApiResponse(description="No transaction has this code."),
        },
        tags=TAGS,
    )
    def get(self, request, code: str):
        check = verify_code(code)
        if not check.found:
            raise NotFound(_("No transaction has this code."))
        tx = check.transaction
        body = {
            "code": tx.code,
            "verified": check.verified,
            "kind": tx.kind,
            "recorded_on": timezone.localdate(tx.recorded_at),
            "sequence": tx.sequence,
            "sha256": tx.sha256,
            "prev_sha256": tx.prev_sha256,
            "entries": public_entries(tx),
            "head": check.head,
            "problems": [{"code": code, "message": message} for code, message in check.problems],
        }
        return Response(LedgerVerificationOutputSerializer(body).data)
