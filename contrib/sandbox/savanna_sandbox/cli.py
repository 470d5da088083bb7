"""``heat-savanna sandbox up|down|status|env|logs``.

``register(subparsers)`` is the ``heat_savanna.cli`` entry point the main
``heat-savanna`` command calls; ``python -m savanna_sandbox`` offers the
same subcommands standalone.
"""

import argparse
import os
import sys

from savanna_sandbox import procs


def _platform(args):
    from savanna_sandbox.services import platform
    return platform.Platform(getattr(args, 'state_dir', None))


def cmd_up(args):
    return _platform(args).up()


def cmd_down(args):
    return _platform(args).down(purge=args.purge)


def cmd_status(args):
    return _platform(args).status()


def cmd_env(args):
    from savanna_sandbox.services import identity
    plat = _platform(args)
    if not os.path.exists(plat.layout.path('secrets.json')):
        sys.stderr.write('no sandbox in %s: run `heat-savanna sandbox up`\n'
                         % plat.layout.root)
        return 1
    for line in identity.env_lines(plat.secrets, args.user):
        print('export ' + line)
    return 0


def cmd_logs(args):
    plat = _platform(args)
    names = [args.part] if args.part else [p.name for p in plat.parts()]
    for name in names:
        path = plat.layout.log(name)
        if not args.part:
            print('%-12s %s' % (name, path))
            continue
        if not os.path.exists(path):
            sys.stderr.write('no log for %s at %s\n' % (name, path))
            return 1
        for line in procs.tail(path, args.lines):
            print(line)
    return 0


def _add_commands(sub):
    p = sub.add_parser('up', help='start the sandbox (idempotent)')
    p.set_defaults(func=cmd_up)
    p = sub.add_parser('down', help='stop the sandbox, remove its state')
    p.add_argument('--purge', action='store_true',
                   help='remove the logs too')
    p.set_defaults(func=cmd_down)
    p = sub.add_parser('status', help='every part and its state')
    p.set_defaults(func=cmd_status)
    p = sub.add_parser('env', help='export OS_* lines: eval "$(... env)"')
    p.add_argument('--user', choices=('demo', 'admin'), default='demo')
    p.set_defaults(func=cmd_env)
    p = sub.add_parser('logs', help='log paths, or the tail of one log')
    p.add_argument('part', nargs='?')
    p.add_argument('-n', '--lines', type=int, default=40)
    p.set_defaults(func=cmd_logs)


def _state_dir_option(parser):
    parser.add_argument(
        '--state-dir', default=None,
        help='state directory (default: $HEAT_SAVANNA_SANDBOX_DIR or '
             '/var/tmp/heat-savanna-sandbox)')


def register(subparsers):
    """Add ``sandbox`` and its subcommands to the heat-savanna CLI."""
    parser = subparsers.add_parser(
        'sandbox', help='the local sandbox: real Heat on a simulated cloud')
    _state_dir_option(parser)
    sub = parser.add_subparsers(dest='sandbox_command', metavar='COMMAND')
    sub.required = True
    _add_commands(sub)
    return parser


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m savanna_sandbox',
        description='heat-savanna sandbox: real Keystone, RabbitMQ, '
                    'MariaDB and Heat plus the cloud simulator, on loopback')
    _state_dir_option(parser)
    sub = parser.add_subparsers(dest='sandbox_command', metavar='COMMAND')
    sub.required = True
    _add_commands(sub)
    args = parser.parse_args(argv)
    return args.func(args)
