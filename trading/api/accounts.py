"""Art. 12: a unit's own systems read its holding accounts and their history. Scoped by
trading.permissions.accounts_for: a unit's staff see their units' accounts, the bureau (with its
session) every account; another unit's account is not found (404)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema

from carbon_portal.api import PortalApiView, PortalPagination, paginated_response

from ..permissions import accounts_for
from ..selectors import accounts as selectors
from .serializers import AccountHistoryOutputSerializer, RegistryAccountOutputSerializer

TAGS = ["trading: accounts"]
NOT_YOURS = OpenApiResponse(description="Not found, or not an account you may see (another unit's is a 404).")


class AccountCollectionApi(PortalApiView):
    pagination_class = PortalPagination

    @extend_schema(
        operation_id="trading_accounts_list",
        summary="Registry accounts you may see, with what they hold",
        description="Your units' holding accounts; for the bureau, every account.",
        responses=RegistryAccountOutputSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request):
        qs = (
            accounts_for(request.user)
            .select_related("holder")
            .prefetch_related("holdings__instrument")
            .order_by("kind", "number")
        )
        return paginated_response(
            view=self, request=request, queryset=qs, serializer_class=RegistryAccountOutputSerializer
        )


class AccountTransactionsApi(PortalApiView):
    pagination_class = PortalPagination

    @extend_schema(
        operation_id="trading_account_transactions_list",
        summary="An account's transactions, newest first",
        description="One row per entry on the account: the quantity is signed (received positive, sent "
        "negative), with the account numbers on the other side.",
        responses={200: AccountHistoryOutputSerializer(many=True), 404: NOT_YOURS},
        tags=TAGS,
    )
    def get(self, request, number: str):
        account = selectors.account_for(request.user, number)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.account_history(account), request, view=self)
        rows = selectors.with_counterparties(page)
        return paginator.get_paginated_response(AccountHistoryOutputSerializer(rows, many=True).data)
