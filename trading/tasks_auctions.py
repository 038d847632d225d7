"""The auctions' beat jobs (Art. 13, 34): clear the auctions whose bidding has closed, and let the
sale awards not paid by their due date lapse. Both are idempotent: an auction is cleared once, an
award lapses once; a rerun finds nothing left to do. trading.tasks imports this module so a worker
registers them."""

import logging

from celery import shared_task
from django.core.exceptions import ValidationError

from .models import Auction
from .services.auction_clearing import auction_clear, auctions_due_for_clearing, awards_lapse_due

logger = logging.getLogger(__name__)


@shared_task(name="trading.tasks_auctions.clear_closed_auctions")
def clear_closed_auctions() -> list[int]:
    """Each announced auction whose bidding has closed, in its own transaction: one that fails
    (it was cleared by hand meanwhile) does not hold up the others."""
    cleared = []
    for pk in auctions_due_for_clearing():
        try:
            auction_clear(auction=Auction(pk=pk))
        except ValidationError as exc:
            logger.info("auction %s not cleared: %s", pk, exc.messages)
        else:
            cleared.append(pk)
    return cleared


@shared_task(name="trading.tasks_auctions.lapse_unpaid_awards")
def lapse_unpaid_awards() -> list[int]:
    """The sale awards whose payment was not confirmed by the due date; the bids lapsed, as ids."""
    return awards_lapse_due()
