"""Drive the sandbox's Horizon in headless Chromium (run by test_horizon).

Runs under the Horizon venv's Python (selenium lives there, not in Heat's
venv). Logs in, opens the stack's detail page, its Overview and Resources
tabs, the nested stack's Resources tab (the node sets) and one node
set's Resources tab (its server), saves a screenshot of each, and
prints one JSON object with the text of each page for the test to check.

    python horizon_browser.py URL USER STACK NESTED_ID OUTDIR < PASSWORD

The password comes on stdin, never on the command line.
"""

import json
import os
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'


def browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    # The machine's network is closed: without the background-networking
    # flags Chromium keeps retrying Google's hosts.
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu',
                 '--disable-quic', '--no-first-run',
                 '--disable-background-networking',
                 '--disable-component-update', '--disable-sync',
                 '--disable-dev-shm-usage', '--window-size=1280,900',
                 '--user-data-dir=%s' % profile):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def main(url, user, stack, nested_id, outdir, node_set_id=None):
    password = sys.stdin.readline().rstrip('\n')
    with tempfile.TemporaryDirectory(prefix='savanna-chromium-') as profile:
        pages = visit(browser(profile), url, user, password, stack,
                      nested_id, outdir, node_set_id)
    json.dump(pages, sys.stdout)


def visit(drv, url, user, password, stack, nested_id, outdir,
          node_set_id=None):
    wait = WebDriverWait(drv, 60)
    pages = {}

    def shot(name):
        path = os.path.join(outdir, 'horizon-%s.png' % name)
        drv.save_screenshot(path)
        pages[name] = {'url': drv.current_url, 'title': drv.title,
                       'text': drv.find_element(By.TAG_NAME, 'body').text,
                       'screenshot': path}

    try:
        drv.get(url + '/auth/login/')
        wait.until(ec.presence_of_element_located((By.ID, 'id_username')))
        drv.find_element(By.ID, 'id_username').send_keys(user)
        drv.find_element(By.ID, 'id_password').send_keys(password)
        drv.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()
        wait.until(lambda d: '/auth/login' not in d.current_url)
        drv.get(url + '/project/stacks/')
        wait.until(ec.presence_of_element_located(
            (By.LINK_TEXT, stack)))
        shot('stacks')
        drv.find_element(By.LINK_TEXT, stack).click()
        wait.until(lambda d: '/project/stacks/stack/' in d.current_url)
        detail = drv.current_url.split('?')[0]

        def tab(page, slug, marker, name):
            drv.get('%s?tab=stack_details__%s' % (page, slug))
            wait.until(lambda d: marker in d.find_element(
                By.TAG_NAME, 'body').text)
            shot(name)

        tab(detail, 'overview', 'Outputs', 'overview')
        tab(detail, 'resources', 'OS::Savanna::Cluster', 'resources')
        nested = '%s/project/stacks/stack/%s/' % (url, nested_id)
        tab(nested, 'resources', 'OS::Savanna::NodeSet', 'nested-resources')
        if node_set_id:
            child = '%s/project/stacks/stack/%s/' % (url, node_set_id)
            tab(child, 'resources', 'OS::Nova::Server', 'node-set-resources')
    finally:
        drv.quit()
    return pages


if __name__ == '__main__':
    main(*sys.argv[1:])
