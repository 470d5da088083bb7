"""python-openstackclient plugin hooks for ``openstack savanna``.

OSC reads these module attributes for every ``openstack.cli.extension``
entry point: the API name (``client_manager.savanna``), the option that
picks the API version, and the versions known, from which it builds the
command group ``openstack.savanna.v1`` (registered in setup.cfg).

There is no Savanna service: the commands talk to Heat, so the client is
python-heatclient's, built from the session OSC already authenticated
(with the region and interface options OSC was given).
"""

import logging

from osc_lib import utils

LOG = logging.getLogger(__name__)

API_NAME = 'savanna'
API_VERSION_OPTION = 'os_savanna_api_version'
DEFAULT_API_VERSION = '1'
API_VERSIONS = {'1': 'heatclient.v1.client.Client'}
#: the Keystone catalog type of the service the commands call
SERVICE_TYPE = 'orchestration'


def make_client(instance):
    """A heatclient v1 ``Client`` on OSC's authenticated session."""
    client_class = utils.get_client_class(
        API_NAME, instance._api_version[API_NAME], API_VERSIONS)
    LOG.debug('Instantiating the savanna (heat) client: %s', client_class)
    return client_class(session=instance.session,
                        service_type=SERVICE_TYPE,
                        region_name=instance.region_name,
                        interface=instance.interface)


def build_option_parser(parser):
    """The ``--os-savanna-api-version`` global option."""
    parser.add_argument(
        '--os-savanna-api-version',
        metavar='<savanna-api-version>',
        default=utils.env('OS_SAVANNA_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='Savanna commands API version, default=%s (Env: '
             'OS_SAVANNA_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
