"""How large a claim and its texts may grow: every limit, named, in one place.

A claim is read, copied and stored whole on every call, so nothing a caller
sends may make it grow without bound: the number of lines, documents and
messages on a claim, the events a customer can add to it, and the length
of every name and text are capped. The caps are generous for any real
claim; past one the call is refused with a
:class:`~reimbursement.errors.ValidationError` naming the field, and the
claim is unchanged. ``docs/inputs.md`` lists them for users.

Document content (size, formats) and file names are ruled by
:class:`~reimbursement.domain.documents.DocumentRules`.
"""

from __future__ import annotations

from typing import Final

import attrs

from ..errors import ValidationError
from .checks import require_count

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_ATTACHMENTS",
    "MAX_CUSTOMER_EVENTS",
    "MAX_DECLARATIONS",
    "MAX_DECLARATION_LENGTH",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_ID_LENGTH",
    "MAX_LINES",
    "MAX_LINE_AMOUNT_DIGITS",
    "MAX_MESSAGES",
    "MAX_MESSAGE_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_NOTE_LENGTH",
    "MAX_REASONS",
    "MAX_REASON_LENGTH",
    "MAX_SIGNATURE_DATA",
    "MAX_SIGNATURE_KEY_ID_LENGTH",
    "MAX_SIGNATURE_VALUE",
    "MAX_STORED_TEXT",
    "NOTES_IN_EVENT",
    "ClaimLimits",
]

MAX_STORED_TEXT: Final = 65_536
"""The longest text a stored claim may hold in one field, in characters: the wire format's
string limit (``reimbursement.serialization.MAX_STRING_LENGTH`` is this constant). Every
text the desk builds from the caps below fits in it, so a claim it built can be stored."""
NOTES_IN_EVENT: Final = 10
"""Line notes an approval's event repeats in its reason (the first ones, in line order;
every note stays on the line's decision, and the event counts the others)."""
MAX_LINES: Final = 1_000
"""Expense lines on one claim."""
MAX_ATTACHMENTS: Final = 1_000
"""Documents attached to one claim (and references from one line to them)."""
MAX_MESSAGES: Final = 1_000
"""Messages and internal notes on one claim's thread (the library's own notes never refused)."""
MAX_CUSTOMER_EVENTS: Final = 10_000
"""Events a claim may hold when its customer acts: past it, the customer's calls are refused
(staff and the library still finish the claim)."""
MAX_ID_LENGTH: Final = 200
"""Ids and codes: claim, line and document ids, reason codes, step names, request ids."""
MAX_NAME_LENGTH: Final = 200
"""One-line names: an expense's category and provider (merchant), a payee account."""
MAX_DESCRIPTION_LENGTH: Final = 2_000
"""An expense line's description."""
MAX_MESSAGE_LENGTH: Final = 4_000
"""A message on the claim's thread."""
MAX_NOTE_LENGTH: Final = 4_000
"""A reviewer's note to the customer (on a return or a rejection)."""
MAX_REASON_LENGTH: Final = 500
"""One reason: for a return, for a lowered line, for a withdrawal."""
MAX_REASONS: Final = 50
"""Reasons given with one return for correction."""
MAX_LINE_AMOUNT_DIGITS: Final = 12
"""Digits before the decimal point of one line's amount (below a trillion): sums of a
claim's lines stay exact, far inside ``Decimal``'s 28 digits."""
MAX_DECLARATIONS: Final = 20
"""Declarations a customer accepts with one signed submission."""
MAX_DECLARATION_LENGTH: Final = 4_000
"""One declaration's text (it is signed and stored with the submission's event)."""
MAX_SIGNATURE_KEY_ID_LENGTH: Final = 1_400
"""A signature's key id: a key name, or a WebAuthn credential id in base64url (a
credential id is at most 1,023 bytes, 1,364 characters in base64url)."""
MAX_SIGNATURE_VALUE: Final = 1_024
"""Bytes of a signature value (Ed25519: 64, ECDSA P-256 in DER: at most 72, RSA-4096: 512)."""
MAX_SIGNATURE_DATA: Final = 4_096
"""Bytes of a WebAuthn assertion's authenticator data, and of its client data JSON."""


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    require_count(f"limits.{attribute.name}", value)


def _limit(default: int) -> int:
    return attrs.field(default=default, validator=_positive)


@attrs.frozen
class ClaimLimits:
    """The caps the desk applies to claims (``DeskSettings.limits``); defaults above.

    Raise one for a process that needs it (a yearly claim with thousands of
    pharmacy receipts); the costs of a call stay flat in the claim's size,
    but every stored version of a claim holds all of it.
    """

    max_lines: int = _limit(MAX_LINES)
    max_attachments: int = _limit(MAX_ATTACHMENTS)
    max_messages: int = _limit(MAX_MESSAGES)
    max_customer_events: int = _limit(MAX_CUSTOMER_EVENTS)
    max_id_length: int = _limit(MAX_ID_LENGTH)
    max_name_length: int = _limit(MAX_NAME_LENGTH)
    max_description_length: int = _limit(MAX_DESCRIPTION_LENGTH)
    max_message_length: int = _limit(MAX_MESSAGE_LENGTH)
    max_note_length: int = _limit(MAX_NOTE_LENGTH)
    max_reason_length: int = _limit(MAX_REASON_LENGTH)
    max_reasons: int = _limit(MAX_REASONS)
    max_line_amount_digits: int = _limit(MAX_LINE_AMOUNT_DIGITS)

    def __attrs_post_init__(self) -> None:
        # the longest text the desk builds from these caps must still fit in a stored
        # field: an accepted call whose claim cannot be saved is refused at save, too late
        built = {
            "max_description_length": self.max_description_length,
            "max_message_length": self.max_message_length,
            "max_note_length": self.max_note_length,
            "max_reason_length": self.max_reason_length,
            # a return's reasons, joined into its event
            "max_reasons": self.max_reasons * (self.max_reason_length + 2),
            # an approval's first notes, "<line id>: <reason>", joined into its event
            "max_id_length": NOTES_IN_EVENT * (self.max_id_length + self.max_reason_length + 4),
        }
        for name, longest in built.items():
            if longest > MAX_STORED_TEXT:
                raise ValidationError.at(
                    f"limits.{name}",
                    f"lets the desk build a text of {longest:,} characters, over the "
                    f"{MAX_STORED_TEXT:,} a stored claim holds in one field: lower it",
                )


DEFAULT_LIMITS: Final = ClaimLimits()
"""The limits of a desk whose settings name none."""
