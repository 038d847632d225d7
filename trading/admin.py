"""The Django admin shows the registry read-only: accounts, holdings and the ledger change only
through the portal's services, which post balanced, hash-chained transactions and keep the audit
trail (and on PostgreSQL the ledger tables refuse UPDATE and DELETE)."""

from django.contrib import admin

from registry.admin import ReadOnlyAdmin

from . import models


@admin.register(models.Instrument)
class InstrumentAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "vintage", "name_zh", "name_en"]
    list_filter = ["kind"]


@admin.register(models.Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "holder", "status", "trading_prohibited", "opened_at"]
    list_filter = ["kind", "status", "trading_prohibited"]
    search_fields = ["number", "holder__name_zh", "holder__name_en", "holder__uscc"]
    list_select_related = ["holder"]


@admin.register(models.Holding)
class HoldingAdmin(ReadOnlyAdmin):
    list_display = ["account", "instrument", "quantity_t", "updated_at"]
    list_filter = ["instrument"]
    search_fields = ["account__number"]
    list_select_related = ["account", "instrument"]


class EntryInline(admin.TabularInline):
    model = models.LedgerEntry
    fields = ["line", "account", "instrument", "quantity_t"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "code", "kind", "recorded_at", "actor", "memo"]
    list_filter = ["kind"]
    search_fields = ["code", "memo", "reference"]
    list_select_related = ["actor"]
    inlines = [EntryInline]


@admin.register(models.LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["transaction", "line", "account", "instrument", "quantity_t"]
    list_filter = ["instrument"]
    search_fields = ["transaction__code", "account__number"]
    list_select_related = ["transaction", "account", "instrument"]


@admin.register(models.ChainHead)
class ChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["day", "last_sequence", "sha256", "transactions", "published_at"]
