"""``python -m savanna_sandbox.cloud --config FILE``: run the simulator.

Serves until SIGTERM or SIGINT, then stops every SSH host it started.
Prints one line ``cloudsim ready <json of endpoints>`` on stdout once every
listener is up, so the platform can wait for it.
"""

import argparse
import json
import logging
import signal
import sys
import threading

from savanna_sandbox.cloud import cloud
from savanna_sandbox.cloud import config


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m savanna_sandbox.cloud',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--config', help='JSON or INI configuration file')
    parser.add_argument('--debug', action='store_true')
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    conf = config.load(args.config) if args.config else config.defaults()
    sim = cloud.CloudSimulator(conf)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *a: stop.set())
    sim.start()
    print('cloudsim ready %s' % json.dumps(sim.urls()), flush=True)
    stop.wait()
    logging.getLogger(__name__).info('stopping')
    sim.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
