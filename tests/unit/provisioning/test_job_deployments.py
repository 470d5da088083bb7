"""The scripts a job's deployments run on the master
(heat_savanna.provisioning.job_deployments), run here with bash as
heat-config's script hook runs them: real detached executions."""

import os
import subprocess

from heat_savanna.provisioning import job_deployments
from heat_savanna.provisioning import jobs


def run(tmp_path, script, **env):
    path = tmp_path / 'deployment.sh'
    path.write_text(script)
    outputs = str(tmp_path / 'out')
    proc = subprocess.run(
        ['bash', str(path)], capture_output=True, timeout=60,
        env=dict(os.environ, heat_outputs_path=outputs, **env))
    assert proc.returncode == 0, proc.stderr
    with open(outputs + '.' + job_deployments.LOOK_OUTPUT) as f:
        return job_deployments.read_look(f.read())


def files(directory, job, timeout=30):
    return {'run.sh': (jobs.wrapper_script(directory, timeout), 0o644),
            'job.sh': (job, 0o644)}


def test_launch_waits_for_the_end_and_looks(tmp_path):
    d = str(tmp_path / 'jobs' / 'j' / 'e1')
    script = job_deployments.launch_script(
        'dep-1', [(d, files(d, 'echo "Pi is roughly 3.14"\n'), None)], [d],
        window=20)
    deployment_id, looks = run(tmp_path, script)
    assert deployment_id == 'dep-1'
    assert jobs.verdict(looks[d]) == (jobs.SUCCEEDED, 'exit code 0')
    assert looks[d].output == 'Pi is roughly 3.14\n'


def test_the_job_gets_no_deployment_credential(tmp_path):
    d = str(tmp_path / 'jobs' / 'j' / 'e1')
    script = job_deployments.launch_script(
        'dep-1', [(d, files(d, 'env | grep -c "^deploy_" || true\n'),
                   None)], [d], window=20)
    _id, looks = run(tmp_path, script, deploy_password='s3cret',
                     deploy_user_id='u')
    assert looks[d].output == '0\n'


def test_a_long_job_outlives_the_window_and_a_stop_kills_it(tmp_path):
    d = str(tmp_path / 'jobs' / 'j' / 'e1')
    script = job_deployments.launch_script(
        'dep-1', [(d, files(d, 'echo started; sleep 120\n'), None)], [d],
        window=1)
    _id, looks = run(tmp_path, script)
    assert jobs.verdict(looks[d])[0] == jobs.RUNNING
    pid = looks[d].pid
    deployment_id, looks = run(tmp_path, job_deployments.kill_script(
        'dep-2', [d], remove=[os.path.dirname(d)], grace=1))
    assert deployment_id == 'dep-2'
    assert looks[d].exists is False       # removed after the kill
    assert not os.path.exists('/proc/%d' % pid) or \
        open('/proc/%d/stat' % pid).read().split()[2] == 'Z'


def test_read_look():
    text = '%s dep-1\n@@ /d\nexists 1\nexit_code 0\n' % \
        job_deployments.DEPLOYMENT_TAG
    deployment_id, looks = job_deployments.read_look(text)
    assert deployment_id == 'dep-1'
    assert looks['/d'].exit_code == 0
    assert job_deployments.read_look('@@ /d\nexists 1\n') == (None, {})
    assert job_deployments.read_look(None) == (None, {})
