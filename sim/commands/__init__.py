"""Groups of ``pdsa`` subcommands, each registered in :mod:`sim.cli`."""
