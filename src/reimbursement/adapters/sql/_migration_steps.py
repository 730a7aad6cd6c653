"""The schema's forward steps, as plain SQL for each dialect.

The words that differ between PostgreSQL and SQLite (``{json}``, ``{instant}``…)
are filled in from ``_migration_words.WORDS``. A new step is appended at the
end of :data:`MIGRATIONS`, with the next version number, and never edited once
released.
"""

from __future__ import annotations

from typing import Final

from ._migration_words import LISTS, Migration

__all__ = ["MIGRATIONS"]

MIGRATIONS: Final = (
    Migration(
        1,
        "claims, their events, reviewer holdings, request keys and sequences",
        (
            """CREATE TABLE rb_claims (
    id            TEXT NOT NULL PRIMARY KEY,
    -- the order claims were added: lists are paginated on it
    position      {position} NOT NULL UNIQUE,
    -- CLM-2026-000001, from submission on
    number        TEXT UNIQUE,
    customer_id   TEXT NOT NULL,
    state         TEXT NOT NULL,
    -- when the running stage is due (work queues), when the SLA sweeper looks again
    due_at        {instant},
    next_check_at {instant},
    -- the number of events: a save is UPDATE ... WHERE version = <the version read>
    version       INTEGER NOT NULL,
    -- the record format of body, and the claim without its events
    format        INTEGER NOT NULL,
    body          {json} NOT NULL
)""",
            "CREATE INDEX rb_claims_customer ON rb_claims (customer_id, position)",
            "CREATE INDEX rb_claims_state ON rb_claims (state, position)",
            "CREATE INDEX rb_claims_due ON rb_claims (due_at, position)",
            "CREATE INDEX rb_claims_next_check ON rb_claims (next_check_at, position)",
            """CREATE TABLE rb_events (
    claim_id TEXT NOT NULL REFERENCES rb_claims (id),
    -- 1, 2, ... per claim; rows are only ever inserted
    seq      INTEGER NOT NULL,
    type     TEXT NOT NULL,
    at       {instant} NOT NULL,
    -- the event (JSON, not JSONB: it keeps the order of the event's data)
    body     {ordered_json} NOT NULL,
    PRIMARY KEY (claim_id, seq)
)""",
            """CREATE TABLE rb_holdings (
    claim_id    TEXT NOT NULL REFERENCES rb_claims (id),
    reviewer_id TEXT NOT NULL,
    -- how many open review steps of the claim the reviewer holds
    steps       INTEGER NOT NULL,
    PRIMARY KEY (claim_id, reviewer_id)
)""",
            "CREATE INDEX rb_holdings_reviewer ON rb_holdings (reviewer_id, claim_id)",
            """CREATE TABLE rb_requests (
    -- the desk's request key, and a hash of the command and its arguments
    key         TEXT NOT NULL PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    claim_id    TEXT NOT NULL,
    created_at  {instant} NOT NULL DEFAULT {now}
)""",
            """CREATE TABLE rb_sequences (
    -- CLM-2026, and the last value handed out
    scope TEXT NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
)""",
        ),
    ),
    Migration(
        2,
        "the transactional outbox and its dispatch queue",
        (
            """CREATE TABLE rb_outbox (
    -- the notification's dedupe key, and the order it was queued
    key          TEXT NOT NULL PRIMARY KEY,
    position     {position} NOT NULL UNIQUE,
    claim_id     TEXT NOT NULL,
    -- pending, delivered or parked; failed deliveries so far and the last error
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    -- not before (after a failure); a dispatcher holds it until then
    retry_at     {instant},
    leased_until {instant},
    -- the notification
    body         {json} NOT NULL
)""",
            "CREATE INDEX rb_outbox_claim ON rb_outbox (claim_id, status, position)",
            "CREATE INDEX rb_outbox_status ON rb_outbox (status, position)",
        ),
    ),
    Migration(
        3,
        "work queues read from the holdings index, soonest due first",
        (
            # the claim's due time (or 9999-12-31 for none) and its position, per holding
            "ALTER TABLE rb_holdings ADD COLUMN due_key {instant} NOT NULL DEFAULT {not_due}",
            "ALTER TABLE rb_holdings ADD COLUMN position {bigint} NOT NULL DEFAULT 0",
            """UPDATE rb_holdings SET
    due_key = COALESCE(
        (SELECT c.due_at FROM rb_claims c WHERE c.id = rb_holdings.claim_id), due_key
    ),
    position = (SELECT c.position FROM rb_claims c WHERE c.id = rb_holdings.claim_id)""",
            "CREATE INDEX rb_holdings_queue ON rb_holdings (reviewer_id, due_key, position)",
        ),
    ),
    Migration(
        4,
        "the in-app inbox, and which channels each notification went out on",
        (
            """CREATE TABLE rb_inbox (
    -- the order items arrived, and the notification's dedupe key
    position     {position} PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    customer_id  TEXT NOT NULL,
    claim_id     TEXT NOT NULL,
    claim_number TEXT,
    event        TEXT NOT NULL,
    locale       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    urgent       BOOLEAN NOT NULL DEFAULT FALSE,
    delivered_at {instant} NOT NULL,
    read_at      {instant}
)""",
            "CREATE INDEX rb_inbox_customer ON rb_inbox (customer_id, position)",
            "CREATE INDEX rb_inbox_unread ON rb_inbox (customer_id, position) "
            "WHERE read_at IS NULL",
            """CREATE TABLE rb_deliveries (
    key          TEXT NOT NULL,
    channel      TEXT NOT NULL,
    delivered_at {instant} NOT NULL,
    PRIMARY KEY (key, channel)
)""",
        ),
    ),
    Migration(
        5,
        "the duplicate index: documents by sha256, expenses, photos by perceptual hash",
        (
            # rows only for claims submitted and not withdrawn; claims stored before this
            # version are indexed when next saved, or all at once by
            # `python -m reimbursement db reindex-duplicates` (sql.reindex_duplicates)
            """CREATE TABLE rb_file_keys (
    sha256        TEXT NOT NULL,
    claim_id      TEXT NOT NULL REFERENCES rb_claims (id),
    attachment_id TEXT NOT NULL,
    line_id       TEXT,
    PRIMARY KEY (sha256, claim_id, attachment_id)
)""",
            "CREATE INDEX rb_file_keys_claim ON rb_file_keys (claim_id)",
            """CREATE TABLE rb_expense_keys (
    claim_id    TEXT NOT NULL REFERENCES rb_claims (id),
    line_id     TEXT NOT NULL,
    -- the provider case-folded without spaces or punctuation, the receipt's currency,
    -- the ISO date, the amount in 1/10,000 of the currency
    provider    TEXT NOT NULL,
    currency    TEXT NOT NULL,
    incurred_on TEXT NOT NULL,
    amount      {bigint} NOT NULL,
    PRIMARY KEY (claim_id, line_id)
)""",
            "CREATE INDEX rb_expense_keys_match ON rb_expense_keys "
            "(provider, currency, incurred_on, amount)",
            """CREATE TABLE rb_image_keys (
    claim_id      TEXT NOT NULL REFERENCES rb_claims (id),
    attachment_id TEXT NOT NULL,
    line_id       TEXT,
    -- the 64-bit perceptual hash (16 hex digits) and its four 16-bit bands
    phash         TEXT NOT NULL,
    band0         INTEGER NOT NULL,
    band1         INTEGER NOT NULL,
    band2         INTEGER NOT NULL,
    band3         INTEGER NOT NULL,
    PRIMARY KEY (claim_id, attachment_id)
)""",
            *(f"CREATE INDEX rb_image_keys_band{i} ON rb_image_keys (band{i})" for i in range(4)),
        ),
    ),
    Migration(
        6,
        "the Merkle log of every event: its tree's nodes and which leaf holds which event",
        (
            """CREATE TABLE rb_log_nodes (
    -- the hash of the complete subtree over leaves idx * 2^level to (idx + 1) * 2^level - 1
    level INTEGER NOT NULL,
    idx   {bigint} NOT NULL,
    hash  {bytes} NOT NULL,
    PRIMARY KEY (level, idx)
)""",
            """CREATE TABLE rb_log_events (
    -- leaf idx holds the digest of the event event_id ("<claim id>#<seq>")
    idx      {bigint} NOT NULL PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE
)""",
        ),
    ),
    Migration(
        7,
        "the webhook endpoints whose receiver answered 410 Gone",
        (
            """CREATE TABLE rb_webhooks_gone (
    -- the endpoint's name (as preferences name it), and when it said 410 Gone
    name    TEXT NOT NULL PRIMARY KEY,
    gone_at {instant} NOT NULL
)""",
        ),
    ),
    Migration(
        8,
        "the bank-file gateway's ledger: which keys it took, wrote into a file, heard settled",
        (
            """CREATE TABLE rb_bank_ledger (
    -- the order keys were taken; the instruction (NULL claim_id: cancelled or settled
    -- before it came); the latest receipt; the pain.001 message id that carries it
    position       {position} PRIMARY KEY,
    key            TEXT NOT NULL UNIQUE,
    claim_id       TEXT,
    payee_account  TEXT,
    amount         TEXT,
    currency       TEXT,
    remittance     TEXT,
    reference      TEXT NOT NULL,
    status         TEXT NOT NULL,
    failure_reason TEXT,
    filed_in       TEXT
)""",
        ),
    ),
    Migration(
        9,
        "the claim version each request key's command produced, so a replay answers as the first",
        (
            # NULL for keys kept before: their replays fall back to what the claim shows
            "ALTER TABLE rb_requests ADD COLUMN version INTEGER",
        ),
    ),
    Migration(
        10,
        "the audit queue: automatic approvals drawn for audit review and not yet audited",
        (
            """CREATE TABLE rb_audit_queue (
    -- when the straight-through decision drew the claim, and the claim's position
    claim_id   TEXT NOT NULL PRIMARY KEY REFERENCES rb_claims (id),
    drawn_at   {instant} NOT NULL,
    position   {bigint} NOT NULL
)""",
            "CREATE INDEX rb_audit_queue_order ON rb_audit_queue (drawn_at, position)",
            # the claims drawn before this version: none had an audit review recorded yet
            # (%% is one % to psycopg's placeholders and two wildcards, the same, to SQLite)
            """INSERT INTO rb_audit_queue (claim_id, drawn_at, position)
SELECT e.claim_id, e.at, c.position FROM rb_events e JOIN rb_claims c ON c.id = e.claim_id
WHERE e.type = 'straight_through_decided'
  AND (CAST(e.body AS TEXT) LIKE '%%"sampled":"yes"%%'
       OR CAST(e.body AS TEXT) LIKE '%%"sampled": "yes"%%')
  AND e.seq = (SELECT MAX(l.seq) FROM rb_events l
               WHERE l.claim_id = e.claim_id AND l.type = 'straight_through_decided')""",
        ),
    ),
    Migration(
        11,
        "the bank-file gateway's queue: the payee of each key, so a restart still files it",
        (
            # NULL for keys taken before: the gateway names their payee with payee_of, if given
            "ALTER TABLE rb_bank_ledger ADD COLUMN payee_name TEXT",
            # the structured postal address as JSON (town, country, street, ...), or NULL
            "ALTER TABLE rb_bank_ledger ADD COLUMN payee_address TEXT",
            # the keys waiting for a file, read by every write_file: a few among all ever paid
            "CREATE INDEX rb_bank_ledger_queue ON rb_bank_ledger (position) "
            "WHERE filed_in IS NULL AND status = 'pending'",
        ),
    ),
    Migration(
        12,
        "the Merkle log's pending entries: events committed with their claim, not sealed yet",
        (
            """CREATE TABLE rb_log_pending (
    -- the order the commits wrote them in (the sealer appends them to the log in it),
    -- the event ("<claim id>#<seq>") and its 32-byte digest; deleted once sealed
    position {position} PRIMARY KEY,
    event_id TEXT NOT NULL,
    digest   {bytes} NOT NULL
)""",
        ),
    ),
    Migration(
        13,
        "the answer of each request key's command, so a replay answers it from the store",
        (
            # the claim as the command left it, without its events ({"format", "claim"});
            # NULL for keys kept before, and once the claim's personal data is erased
            "ALTER TABLE rb_requests ADD COLUMN answer {json}",
            # an erasure drops the answers kept for its claim
            "CREATE INDEX rb_requests_claim ON rb_requests (claim_id)",
        ),
    ),
    Migration(
        14,
        "the customers' registered passkeys (WebAuthn credentials) and their sign counters",
        (
            """CREATE TABLE rb_passkeys (
    -- base64url of the credential's raw id; the order of registration; whose it is
    credential_id TEXT NOT NULL PRIMARY KEY,
    position      {bigint} NOT NULL UNIQUE,
    customer_id   TEXT NOT NULL,
    -- the COSE_Key the authenticator gave at registration
    public_key    {bytes} NOT NULL,
    -- the authenticator's counter at the last assertion accepted (0: it does not count)
    sign_count    {bigint} NOT NULL,
    registered_at {instant} NOT NULL,
    name          TEXT NOT NULL
)""",
            "CREATE INDEX rb_passkeys_customer ON rb_passkeys (customer_id, position)",
        ),
    ),
    Migration(
        15,
        "a claim's lines, documents and messages as rows of their own, not inside its row",
        (
            """CREATE TABLE rb_claim_items (
    claim_id TEXT NOT NULL REFERENCES rb_claims (id),
    -- which list of the claim ('lines', 'attachments', 'messages'), the item's index in it
    list     TEXT NOT NULL,
    idx      INTEGER NOT NULL,
    -- the claim's version that last wrote the item (a reader sees whether it moved on)
    version  INTEGER NOT NULL,
    body     {json} NOT NULL,
    PRIMARY KEY (claim_id, list, idx)
)""",
            # the items stored so far, out of the claims' bodies (record format 2 or older)
            *(
                f"""INSERT INTO rb_claim_items (claim_id, list, idx, version, body)
SELECT c.id, '{name}', {{item_index}}, c.version, j.value
FROM rb_claims c, {{items_of_{name}}}
WHERE c.format <= 2"""
                for name in LISTS
            ),
            # record format 3: the body holds how many items each list has, not the items
            "UPDATE rb_claims SET format = 3, body = {counted_body} WHERE format <= 2",
        ),
    ),
    Migration(
        16,
        "each reviewer's open work kept as a count, not summed over rb_holdings at every routing",
        (
            """CREATE TABLE rb_loads (
    reviewer_id TEXT NOT NULL,
    -- up to a row per reviewer and shard (0-7), so that concurrent writers seldom wait on
    -- one row: a claim's changes go to its shard's row; the load is the sum of the rows
    shard       INTEGER NOT NULL,
    -- this shard's part of the plan steps (or claims) the reviewer holds in review
    steps       {bigint} NOT NULL,
    PRIMARY KEY (reviewer_id, shard)
)""",
            """INSERT INTO rb_loads (reviewer_id, shard, steps)
SELECT reviewer_id, 0, SUM(steps) FROM rb_holdings GROUP BY reviewer_id""",
        ),
    ),
)
