"""MariaDB: the SQL server Keystone and Heat use (Heat's production pairing).

Its own datadir, socket and port in the state dir, run as root by hand
(not the system service), listening on 127.0.0.1 only.
"""

import os
import shutil

from savanna_sandbox import paths
from savanna_sandbox import services

DATABASES = ('keystone', 'heat')


def url(secrets, database):
    """SQLAlchemy URL of one of the sandbox's databases (PyMySQL driver)."""
    return 'mysql+pymysql://%s:%s@%s:%d/%s?charset=utf8mb4' % (
        database, secrets['db_' + database], paths.HOST,
        paths.PORTS['mariadb'], database)


def _sql_quote(text):
    return "'%s'" % text.replace('\\', '\\\\').replace("'", "\\'")


class MariaDB(services.Part):
    name = 'mariadb'
    port = paths.PORTS['mariadb']
    timeout = 60
    hint = ('check that /usr/sbin/mariadbd exists (tools/install-deps.sh) '
            'and that port %d is free' % paths.PORTS['mariadb'])

    @property
    def datadir(self):
        return self.layout.path('mariadb', 'data')

    @property
    def socket(self):
        return self.layout.path('mariadb', 'mysqld.sock')

    def available(self):
        for tool in ('mariadbd', 'mariadb-install-db', 'mariadb'):
            if not shutil.which(tool, path='/usr/sbin:/usr/bin:/sbin:/bin'):
                return '%s not installed' % tool
        return None

    def prepare(self):
        self.layout.dir('mariadb')
        if os.path.isdir(os.path.join(self.datadir, 'mysql')):
            return
        self.run(['mariadb-install-db', '--no-defaults', '--user=root',
                  '--datadir=' + self.datadir,
                  '--auth-root-authentication-method=socket',
                  '--skip-test-db'], timeout=180)

    def argv(self):
        base = self.layout.path('mariadb')
        return ['/usr/sbin/mariadbd', '--no-defaults', '--user=root',
                '--datadir=' + self.datadir, '--socket=' + self.socket,
                '--pid-file=' + os.path.join(base, 'mysqld.pid'),
                '--port=%d' % self.port, '--bind-address=' + paths.HOST,
                '--skip-networking=0', '--skip-name-resolve',
                '--character-set-server=utf8mb4',
                '--collation-server=utf8mb4_general_ci',
                '--performance-schema=OFF',
                '--innodb-buffer-pool-size=64M',
                '--innodb-flush-log-at-trx-commit=2',
                '--max-connections=500', '--log-error=']

    def ready(self):
        return super().ready() and os.path.exists(self.socket)

    def sql(self, statements):
        """Run SQL as root over the private socket (nothing on argv)."""
        log = open(self.log, 'ab')
        try:
            import subprocess
            result = subprocess.run(
                ['mariadb', '--no-defaults', '--protocol=socket',
                 '--socket=' + self.socket, '-uroot', '--batch'],
                input='\n'.join(statements).encode(), stdout=log,
                stderr=log, timeout=60)
        finally:
            log.close()
        if result.returncode != 0:
            raise self.fail('SQL set-up failed (exit %d)'
                            % result.returncode)

    def after_start(self):
        statements = []
        for db in DATABASES:
            password = _sql_quote(self.secrets['db_' + db])
            statements += [
                'CREATE DATABASE IF NOT EXISTS %s CHARACTER SET utf8mb4;'
                % db,
                "CREATE USER IF NOT EXISTS '%s'@'127.0.0.1' IDENTIFIED BY "
                "%s;" % (db, password),
                "ALTER USER '%s'@'127.0.0.1' IDENTIFIED BY %s;"
                % (db, password),
                "GRANT ALL PRIVILEGES ON %s.* TO '%s'@'127.0.0.1';"
                % (db, db),
            ]
        statements.append('FLUSH PRIVILEGES;')
        self.sql(statements)
