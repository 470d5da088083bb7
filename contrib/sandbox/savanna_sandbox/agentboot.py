"""The boot of an agent host: what cloud-init does for Heat, then the agent.

Run as the first process of an agent host (see
:mod:`savanna_sandbox.agenthost`), as root inside its namespace:

1. fetch the server's user data from the metadata service (cloud-init's
   OpenStack datasource does the same at boot);
2. hand its MIME parts to the part handlers it carries, as cloud-init
   does: Heat's SOFTWARE_CONFIG user data brings ``part-handler.py``,
   which writes the ``text/x-cfninitdata`` parts (the server's first
   metadata: os-collect-config's settings with the server's stack-user
   credentials) under /var/lib/heat-cfntools; the cloud-config and
   boot-hook parts are only logged (nothing in them concerns the agent);
3. exec os-collect-config, which from then on polls Heat's API and runs
   os-refresh-config (os-apply-config, then heat-config's hooks) on every
   change of the server's metadata.

This module is part of the sandbox: it never imports heat_savanna.
"""

import argparse
import email
import os
import sys
import time
import urllib.error
import urllib.request


def log(text):
    sys.stdout.write('%s agentboot: %s\n' % (
        time.strftime('%Y-%m-%d %H:%M:%S'), text))
    sys.stdout.flush()


def fetch(url, attempts=30):
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=10) as reply:
                return reply.read().decode('utf-8')
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return ''
            error = exc
        except OSError as exc:
            error = exc
        time.sleep(min(1 + attempt, 5))
    raise RuntimeError('metadata service unreachable at %s: %s'
                       % (url, error))


def run_part_handlers(user_data):
    """Call each part handler of ``user_data`` on the parts of the types
    it lists, as cloud-init does. Returns the number of parts handled."""
    message = email.message_from_string(user_data)
    parts = list(message.walk()) if message.is_multipart() else [message]
    handlers = []
    for part in parts:
        if part.get_content_type() == 'text/part-handler':
            scope = {'__name__': 'part_handler'}
            exec(compile(part.get_payload(decode=True).decode(),
                         part.get_filename() or 'part-handler', 'exec'),
                 scope)
            handlers.append(scope)
    handled = 0
    for handler in handlers:
        types = handler['list_types']()
        handler['handle_part'](None, '__begin__', None, None)
        for part in parts:
            ctype = part.get_content_type()
            if ctype in types:
                handler['handle_part'](
                    None, ctype, part.get_filename(),
                    part.get_payload(decode=True).decode())
                handled += 1
            elif not part.is_multipart() and \
                    ctype != 'text/part-handler':
                log('part %s (%s): not for the agent, skipped'
                    % (part.get_filename(), ctype))
        handler['handle_part'](None, '__end__', None, None)
    return handled


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--metadata-url', required=True)
    parser.add_argument('--polling-interval', type=int, default=10)
    parser.add_argument('--ready', help='file to create once booted')
    args = parser.parse_args(argv)
    base = args.metadata_url.rstrip('/')
    os.makedirs('/var/lib/cloud/data', exist_ok=True)
    user_data = fetch(base + '/openstack/latest/user_data')
    handled = run_part_handlers(user_data) if user_data else 0
    log('user data: %d bytes, %d part(s) for the agent'
        % (len(user_data), handled))
    if args.ready:
        open(args.ready, 'w').close()
    argv = ['os-collect-config', '--config-file',
            '/etc/os-collect-config.conf',
            '--polling-interval', str(args.polling_interval),
            '--ec2-metadata-url', base + '/latest/meta-data']
    log('exec %s' % ' '.join(argv))
    os.execvp(argv[0], argv)


if __name__ == '__main__':
    main()
