"""``pdsa explore``: serve the explorer's Run and Results pages on this machine."""

from __future__ import annotations

from pathlib import Path

import click

from sim.commands import echo, fail
from sim.config import ConfigError

INSTALL_HINT = "pdsa explore needs Panel: python -m pip install -e '.[explore]'"


@click.command()
@click.argument("target", required=False, metavar="[SCENARIO.yaml | RESULTS_DIR]")
@click.option("--port", type=click.IntRange(1, 65535), default=5006, show_default=True)
@click.option(
    "--host", default="127.0.0.1", show_default=True,
    help="Address to listen on; the default answers this machine only.",
)  # fmt: skip
def explore(target: str | None, port: int, host: str) -> None:
    """Run the architectures side by side in a browser, or browse a sweep's results.

    With a scenario file, the Run page starts from it (the embedded twelve-NCB scenario
    otherwise); with a results directory (``pdsa sweep`` or ``pdsa run --out``), the Results
    page opens it. Nothing is written: downloads are made in the browser.
    """
    try:
        import panel  # noqa: F401
    except ImportError:
        fail(INSTALL_HINT)
    from sim.explore.app import serve
    from sim.explore.controls import load_source

    results_dir = Path(target) if target is not None and Path(target).is_dir() else None
    scenario = None if target is None or results_dir is not None else target
    if scenario is not None:
        try:
            load_source(scenario)
        except ConfigError as error:  # shown in the page too, where another file can be loaded
            echo(str(error), err=True)
    try:
        probe(host, port)
        echo(f"pdsa explore: http://{host}:{port}/  (Ctrl+C stops it)")
        serve(scenario, results_dir, host, port)
    except OSError as error:  # the port is taken, or not ours to listen on
        reason = error.strerror or str(error)
        fail(f"cannot listen on {host}:{port}: {reason}; choose another --port (or --host)")
    except KeyboardInterrupt:
        echo("pdsa explore: stopped")


def probe(host: str, port: int) -> None:
    """Raise OSError now if ``host:port`` cannot be listened on (another server has it), so
    that the address is never announced for a server that will not start."""
    import socket

    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Tornado binds
            sock.bind(address)
