"""``pdsa explore``: a local web app to run the architectures side by side and browse results.

The page itself (:mod:`sim.explore.app`, Panel) only lays out widgets; what they mean lives in
plain modules a test can drive without a browser: :mod:`sim.explore.controls` (the controls and
the scenarios they make), :mod:`sim.explore.runs` (a run in the background, with its progress)
and :mod:`sim.explore.browse` (a results directory opened read-only). The app writes no file:
downloads are built in memory and results directories are only read.
"""
