"""Webhooks: partner systems subscribe to event types and receive signed deliveries.

The fan-out reads every service's event feed (cursor kept in the auth schema, moved in the same
transaction as the deliveries it creates) and queues one delivery per matching subscription.
Deliveries go out oldest first per subscription (a failing one holds back the ones behind it),
are retried with exponential backoff and jitter for a bounded time, and every attempt is kept.
Delivery is at least once: each carries its event id for the receiver to de-duplicate. Row locks
with SKIP LOCKED keep several gateway replicas from sending the same delivery at once.
"""
