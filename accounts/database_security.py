"""Keep Supabase's Data API away from every table the project owns.

On Supabase, tables Django creates in the `public` schema are reachable over the Data API
(PostgREST) with the publishable `anon` key unless Row Level Security is on or the API roles
have no grants; `auth_user` (password hashes) and `django_session` are the worst case.
This project never uses the Data API, so the target state of every table it owns is:

* Row Level Security enabled with no policy: deny-all for every role that is subject to
  RLS (`anon`, `authenticated`). Django is unaffected: it connects as the tables' owner
  (`postgres`, which on Supabase also has BYPASSRLS), and owners bypass RLS unless it is
  FORCEd, which is deliberately not done (on plain Postgres the owner may lack BYPASSRLS).
* No privileges for `anon`, `authenticated`, `service_role` or PUBLIC. RLS cannot stop
  `service_role` (BYPASSRLS), and the app has no use for it, so only missing grants keep a
  leaked service key from reading `auth_user` through the API; Supabase's own tools
  (Studio, pg-meta) connect as `postgres`/`supabase_admin` and are unaffected.
* Default privileges of the connecting role in `public` no longer hand new tables and
  sequences to those roles (Supabase's `alter default privileges for role postgres in
  schema public grant all ... to anon, authenticated, service_role`).

The roles exist only on Supabase; on plain Postgres the revokes are skipped (an unguarded
`REVOKE ... FROM anon` fails there) and RLS is still enabled. On other backends (SQLite)
nothing runs at all.

`secure_public_tables` is idempotent and cheap when nothing is left to do (two catalog
queries), so a migration runs it once and a `post_migrate` hook runs it after every
`migrate` to cover tables that later migrations create.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

SCHEMA = "public"
# Supabase's Data API roles. Only those that exist are touched; PUBLIC is revoked too,
# since every role (anon included) inherits what PUBLIC is granted.
API_ROLES: tuple[str, ...] = ("anon", "authenticated", "service_role")

# Relations in the schema that the current role may alter (owner or member of the owner),
# whether each lacks RLS (tables only: views and sequences have none) and whether the API
# roles or PUBLIC hold any privilege on it. Only rows with something to do are returned.
_RELATIONS_SQL = """
SELECT name, relkind, needs_rls, exposed, can_alter
FROM (
    SELECT c.relname,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
           c.relkind,
           c.relkind IN ('r', 'p') AND NOT c.relrowsecurity AS needs_rls,
           EXISTS (
               SELECT 1 FROM aclexplode(c.relacl) AS a
               WHERE a.grantee = 0
                  OR a.grantee IN (SELECT oid FROM pg_roles WHERE rolname = ANY(%(roles)s))
           ) AS exposed,
           pg_has_role(c.relowner, 'USAGE') AS can_alter
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
) AS relations
WHERE needs_rls OR exposed
ORDER BY relname
"""

# Which API roles exist, and whether the current role's default privileges in the schema
# still grant tables or sequences to any of them.
_ROLES_SQL = """
SELECT ARRAY(
           SELECT quote_ident(rolname) FROM pg_roles
           WHERE rolname = ANY(%(roles)s) ORDER BY rolname
       ),
       EXISTS (
           SELECT 1
           FROM pg_default_acl AS d
           JOIN pg_namespace AS n ON n.oid = d.defaclnamespace
           CROSS JOIN LATERAL aclexplode(d.defaclacl) AS a
           WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)
             AND n.nspname = %(schema)s
             AND d.defaclobjtype IN ('r', 'S')
             AND a.grantee IN (SELECT oid FROM pg_roles WHERE rolname = ANY(%(roles)s))
       ),
       quote_ident(current_user),
       quote_ident(%(schema)s)
"""


@dataclass
class SecurityReport:
    """What one run changed; empty lists mean the schema was already locked down."""

    rls_enabled: list[str] = field(default_factory=list)
    privileges_revoked: list[str] = field(default_factory=list)
    default_privileges_revoked: bool = False
    # Relations owned by a role we are not a member of (e.g. an extension's table created
    # by `supabase_admin`): we cannot alter them, so they are reported, not fixed.
    not_owned: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.statements)


def secure_public_tables(connection) -> SecurityReport:
    """Enable RLS on, and revoke Data API access to, every relation in `public` we own.

    `connection` is a Django database connection (`django.db.connection`,
    `schema_editor.connection`). A no-op, without even opening the connection, on any
    backend but PostgreSQL.
    """
    report = SecurityReport()
    if connection.vendor != "postgresql":
        return report

    params = {"roles": list(API_ROLES), "schema": SCHEMA}
    with connection.cursor() as cursor:
        cursor.execute(_ROLES_SQL, params)
        api_roles, default_acl_exposed, current_role, schema = cursor.fetchone()
        cursor.execute(_RELATIONS_SQL, params)
        relations = cursor.fetchall()

        grantees = ", ".join([*api_roles, "PUBLIC"])
        for name, relkind, needs_rls, exposed, can_alter in relations:
            if not can_alter:
                report.not_owned.append(name)
                continue
            if needs_rls:
                report.statements.append(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
                report.rls_enabled.append(name)
            if exposed:
                kind = "SEQUENCE" if relkind == "S" else "TABLE"
                report.statements.append(f"REVOKE ALL ON {kind} {name} FROM {grantees}")
                report.privileges_revoked.append(name)

        if default_acl_exposed and api_roles:
            for objects in ("TABLES", "SEQUENCES"):
                report.statements.append(
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {current_role} IN SCHEMA {schema} "
                    f"REVOKE ALL ON {objects} FROM {', '.join(api_roles)}"
                )
            report.default_privileges_revoked = True

        for statement in report.statements:
            cursor.execute(statement)

    if report.rls_enabled:
        logger.info("Row Level Security enabled on %s", ", ".join(report.rls_enabled))
    if report.privileges_revoked:
        logger.info("Data API privileges revoked on %s", ", ".join(report.privileges_revoked))
    if report.default_privileges_revoked:
        logger.info("Default privileges in %s no longer grant to %s", schema, api_roles)
    if report.not_owned:
        logger.warning(
            "Cannot secure relations in %s owned by another role: %s",
            schema,
            ", ".join(report.not_owned),
        )
    return report
