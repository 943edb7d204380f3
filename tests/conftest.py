"""Shared test settings. In CI (``CI`` set), Hypothesis draws a fixed sequence of examples so
that a run passes or fails the same way every time; locally it explores new ones each run."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
