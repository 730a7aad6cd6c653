"""The OpenAPI 3.1 document of the portal's JSON API (``_api``): schemathesis tests against it."""

from __future__ import annotations

from typing import Any

__all__ = ["OPENAPI"]

_MONEY = {
    "type": "object",
    "required": ["amount", "currency"],
    "properties": {
        "amount": {"type": "string", "pattern": "^[0-9]{1,9}(\\.[0-9]{1,2})?$"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    },
}

_TRACKING = {
    "type": "object",
    "required": ["id", "state", "stage", "next_step", "claimed", "timeline", "messages"],
    "properties": {
        "id": {"type": "string"},
        "number": {"type": ["string", "null"]},
        "state": {"type": "string"},
        "stage": {"type": "string"},
        "next_step": {"type": "string"},
        "claimed": {"$ref": "#/components/schemas/Money"},
        "approved": {"$ref": "#/components/schemas/Money"},
        "paid": {"$ref": "#/components/schemas/Money"},
        "expected_completion": {"type": ["string", "null"], "format": "date-time"},
        "customer_actions": {"type": "array", "items": {"type": "string"}},
        "return_reasons": {"type": "array", "items": {"type": "string"}},
        "timeline": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["at", "event", "title", "detail"],
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "event": {"type": "string"},
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
        "messages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["author", "body", "posted_at"],
                "properties": {
                    "author": {"type": "string"},
                    "body": {"type": "string"},
                    "posted_at": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
}

_ERROR = {
    "type": "object",
    "required": ["error", "problems"],
    "properties": {
        "error": {"type": "string"},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_LINE = {
    "type": "object",
    "required": ["category", "incurred_on", "provider", "amount"],
    "properties": {
        "category": {"type": "string", "minLength": 1, "maxLength": 200},
        "incurred_on": {"type": "string", "format": "date"},
        "provider": {"type": "string", "minLength": 1, "maxLength": 200},
        "amount": {"$ref": "#/components/schemas/Money"},
        "description": {"type": "string", "maxLength": 2000},
    },
}


def _refusals(*codes: str) -> dict[str, Any]:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    texts = {
        "401": "nobody signed in",
        "403": "the desk refused the actor",
        "404": "no such claim",
        "409": "the claim changed meanwhile, or the state does not allow it",
        "422": "bad input: each problem names its field",
    }
    return {code: {"description": texts[code], "content": error} for code in codes}


def _ok(schema: dict[str, Any], code: str = "200") -> dict[str, Any]:
    return {code: {"description": "done", "content": {"application/json": {"schema": schema}}}}


_CLAIM_ID = {
    "name": "claim_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}
_TRACKED = {"$ref": "#/components/schemas/ClaimTracking"}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "reimbursement portal API", "version": "1"},
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Money": _MONEY, "ClaimTracking": _TRACKING, "Error": _ERROR, "Line": _LINE},
    },
    "paths": {
        "/api/v1/claims": {
            "get": {
                "summary": "The signed-in customer's claims",
                "responses": _ok(
                    {
                        "type": "object",
                        "required": ["claims"],
                        "properties": {"claims": {"type": "array", "items": _TRACKED}},
                    }
                )
                | _refusals("401", "403"),
            },
            "post": {
                "summary": "Start a pre-filled draft with the lines given",
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "lines": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Line"},
                                    }
                                },
                            }
                        }
                    },
                },
                "responses": _ok(_TRACKED, "201") | _refusals("401", "403", "404", "422"),
            },
        },
        "/api/v1/claims/{claim_id}": {
            "get": {
                "summary": "A claim as its customer sees it",
                "parameters": [_CLAIM_ID],
                "responses": _ok(_TRACKED) | _refusals("401", "403", "404", "422"),
            }
        },
        "/api/v1/claims/{claim_id}/messages": {
            "post": {
                "summary": "Post a message to the claims team",
                "parameters": [_CLAIM_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["body"],
                                "properties": {"body": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": _ok(
                    {
                        "type": "object",
                        "required": ["id", "body", "posted_at"],
                        "properties": {
                            "id": {"type": "string"},
                            "body": {"type": "string"},
                            "posted_at": {"type": "string", "format": "date-time"},
                        },
                    },
                    "201",
                )
                | _refusals("401", "403", "404", "409", "422"),
            }
        },
        "/api/v1/queue": {
            "get": {
                "summary": "The staff member's claims in review, soonest due first",
                "responses": _ok(
                    {
                        "type": "object",
                        "required": ["claims"],
                        "properties": {
                            "claims": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["id", "state", "customer_id"],
                                    "properties": {
                                        "id": {"type": "string"},
                                        "number": {"type": ["string", "null"]},
                                        "customer_id": {"type": "string"},
                                        "state": {"type": "string"},
                                        "due_at": {"type": ["string", "null"]},
                                    },
                                },
                            }
                        },
                    }
                )
                | _refusals("401", "403"),
            }
        },
    },
}


def _body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_OPTIONS = {"type": "object", "description": "the WebAuthn options, as JSON (py_webauthn)"}
_CREDENTIAL = {
    "oneOf": [{"type": "object"}, {"type": "string"}],
    "description": "the browser's credential.toJSON(), as an object or its JSON text",
}
_DECLARATIONS = {"type": "array", "minItems": 1, "items": {"type": "string"}}
_WITHOUT = " (404 when the portal has no passkeys)"

OPENAPI["paths"] |= {
    "/api/v1/passkeys/options": {
        "post": {
            "summary": "The options of navigator.credentials.create for a new passkey" + _WITHOUT,
            "responses": _ok(
                {
                    "type": "object",
                    "required": ["options", "challenge_token"],
                    "properties": {"options": _OPTIONS, "challenge_token": {"type": "string"}},
                }
            )
            | _refusals("401", "403", "404", "422"),
        }
    },
    "/api/v1/passkeys": {
        "post": {
            "summary": "Register the new passkey: its credential and the options' challenge_token",
            "requestBody": _body(
                ["credential", "challenge_token"],
                {
                    "credential": _CREDENTIAL,
                    "challenge_token": {"type": "string"},
                    "name": {"type": "string", "maxLength": 200},
                },
            ),
            "responses": _ok(
                {
                    "type": "object",
                    "required": ["credential_id", "name"],
                    "properties": {
                        "credential_id": {"type": "string"},
                        "name": {"type": "string"},
                    },
                },
                "201",
            )
            | _refusals("401", "403", "404", "409", "422"),
        }
    },
    "/api/v1/claims/{claim_id}/submit/options": {
        "post": {
            "summary": "The options of navigator.credentials.get that sign this submission",
            "parameters": [_CLAIM_ID],
            "requestBody": _body(["declarations"], {"declarations": _DECLARATIONS}),
            "responses": _ok(
                {"type": "object", "required": ["options"], "properties": {"options": _OPTIONS}}
            )
            | _refusals("401", "403", "404", "409", "422"),
        }
    },
    "/api/v1/claims/{claim_id}/submit": {
        "post": {
            "summary": "Submit the draft, signed with the passkey's assertion",
            "parameters": [_CLAIM_ID],
            "requestBody": _body(
                ["declarations", "assertion"],
                {"declarations": _DECLARATIONS, "assertion": _CREDENTIAL},
            ),
            "responses": _ok(_TRACKED) | _refusals("401", "403", "404", "409", "422"),
        }
    },
}
