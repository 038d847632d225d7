"""/api/trading/: see trading/api/ for what each endpoint does and who may call it."""

from django.urls import path

from .api import accounts, cancellations, exchange, public, transfers

app_name = "trading_api"

urlpatterns = [
    # Public, no sign-in
    path("verify/<str:code>/", public.VerifyApi.as_view(), name="verify"),
    # Registry accounts, scoped by trading.permissions.accounts_for
    path("accounts/", accounts.AccountCollectionApi.as_view(), name="accounts"),
    path("accounts/<str:number>/transactions/", accounts.AccountTransactionsApi.as_view(), name="account_transactions"),
    # Transfers by the holder's staff, idempotent by the Idempotency-Key header
    path("transfers/", transfers.TransferApi.as_view(), name="transfers"),
    # Voluntary cancellations by the holder's staff, idempotent the same way
    path("cancellations/", cancellations.CancellationApi.as_view(), name="cancellations"),
    # Agreement transfers the exchange reports (Art. 31), idempotent the same way; exchange staff only
    path("exchange/transfers/", exchange.ExchangeTransferApi.as_view(), name="exchange_transfers"),
]
