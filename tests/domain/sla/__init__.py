"""Tests of business calendars and SLA clocks (issue 4)."""
