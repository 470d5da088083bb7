#!/bin/bash
# shellcheck shell=bash
#
# devstack plugin of heat-savanna: installs the OS::Savanna::Cluster
# resource plugin into the Heat that devstack runs.
#
# stack.sh calls this file with a mode and a phase:
#   stack install      install the package into Heat's Python environment
#   stack post-config  put the shim in a plugin_dirs directory, set
#                      [DEFAULT] plugin_dirs and optional [savanna] options
#   stack extra        restart heat-engine so it loads the new type
#   unstack            nothing to stop (the plugin runs inside heat-engine)
#   clean              remove the shim
#
# Functions and variables from devstack (iniset, pip_install, HEAT_CONF,
# ...) are defined by the stack.sh that sources this file.
# shellcheck disable=SC2154

# Save trace setting
_XTRACE_HEAT_SAVANNA=$(set +o | grep xtrace)
set -o xtrace

HEAT_SAVANNA_SHIM=heat_savanna_plugin.py
# Heat's own default of [DEFAULT] plugin_dirs, kept when we set the option.
HEAT_SAVANNA_HEAT_DEFAULT_DIRS=/usr/lib64/heat,/usr/lib/heat,/usr/local/lib/heat,/usr/local/lib64/heat

function install_heat_savanna {
    # pip_install / setup_develop use devstack's Python environment, the
    # one heat-engine runs from (its global venv when GLOBAL_VENV=True).
    if [[ "$HEAT_SAVANNA_DEVELOP" == "True" ]]; then
        setup_develop "$HEAT_SAVANNA_DIR"
    else
        pip_install "$HEAT_SAVANNA_DIR"
    fi
}

function _heat_savanna_plugin_dirs {
    # The plugin_dirs value with our directory added once.
    local current
    current=$(iniget "$HEAT_CONF" DEFAULT plugin_dirs)
    current=${current:-$HEAT_SAVANNA_HEAT_DEFAULT_DIRS}
    if [[ ",$current," == *",$HEAT_SAVANNA_PLUGIN_DIR,"* ]]; then
        echo "$current"
    else
        echo "$current,$HEAT_SAVANNA_PLUGIN_DIR"
    fi
}

function _heat_savanna_option {
    # iniset one [savanna] option only when a value was given.
    local name=$1
    local value=$2
    if [[ -n "$value" ]]; then
        iniset "$HEAT_CONF" savanna "$name" "$value"
    fi
}

function configure_heat_savanna {
    sudo install -d -m 755 "$HEAT_SAVANNA_PLUGIN_DIR"
    sudo install -m 644 "$HEAT_SAVANNA_DIR/contrib/heat/$HEAT_SAVANNA_SHIM" \
        "$HEAT_SAVANNA_PLUGIN_DIR/$HEAT_SAVANNA_SHIM"
    iniset "$HEAT_CONF" DEFAULT plugin_dirs "$(_heat_savanna_plugin_dirs)"
    _heat_savanna_option ssh_pool_size "$HEAT_SAVANNA_SSH_POOL_SIZE"
    _heat_savanna_option host_key_policy "$HEAT_SAVANNA_HOST_KEY_POLICY"
    _heat_savanna_option ssh_cidr "$HEAT_SAVANNA_SSH_CIDR"
    _heat_savanna_option decommission_timeout \
        "$HEAT_SAVANNA_DECOMMISSION_TIMEOUT"
}

function restart_heat_engine {
    # heat-engine runs as the systemd unit devstack@h-eng.
    if is_service_enabled h-eng; then
        restart_service devstack@h-eng
    fi
}

function cleanup_heat_savanna {
    sudo rm -f "$HEAT_SAVANNA_PLUGIN_DIR/$HEAT_SAVANNA_SHIM"
}

if is_service_enabled heat-savanna; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing heat-savanna"
        install_heat_savanna
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring heat-savanna"
        configure_heat_savanna
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Restarting heat-engine to load OS::Savanna::Cluster"
        restart_heat_engine
    fi

    if [[ "$1" == "unstack" ]]; then
        # Nothing of ours runs on its own: the plugin lives in heat-engine.
        :
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_heat_savanna
    fi
fi

# Restore xtrace
$_XTRACE_HEAT_SAVANNA
