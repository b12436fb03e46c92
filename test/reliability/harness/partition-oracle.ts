import type postgres from "postgres";

const DAY_MS = 86_400_000;
const partitionOf = (day: Date) => `decision_log_p${day.toISOString().slice(0, 10).replaceAll("-", "")}`;
const today = () => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);

/**
 * Gives the decision log's partition maintenance work to do and records, in
 * the database itself, every statement that creates or drops one of its
 * partitions, whichever connection runs it: event triggers (the connection is
 * a superuser's) append to `reliability_ddl_log`. Call before any replica
 * starts. Returns what one maintenance run must do: create the partitions of
 * the days ahead (dropped here) and drop one older than retention (made here).
 */
export async function prepareMaintenanceWork(sql: postgres.Sql, retentionDays = 30): Promise<{ toCreate: string[]; toDrop: string[] }> {
  await sql.unsafe(`
    create table reliability_ddl_log (at timestamptz not null default clock_timestamp(), backend int not null default pg_backend_pid(), tag text not null, object text not null);
    create function reliability_log_ddl() returns event_trigger language plpgsql as $$
      declare r record;
      begin
        for r in select * from pg_event_trigger_ddl_commands() loop
          insert into reliability_ddl_log (tag, object) values (r.command_tag, r.object_identity);
        end loop;
      end $$;
    create function reliability_log_drop() returns event_trigger language plpgsql as $$
      declare r record;
      begin
        for r in select * from pg_event_trigger_dropped_objects() where object_type = 'table' loop
          insert into reliability_ddl_log (tag, object) values ('DROP TABLE', r.object_identity);
        end loop;
      end $$;
    create event trigger reliability_ddl_end on ddl_command_end execute function reliability_log_ddl();
    create event trigger reliability_sql_drop on sql_drop execute function reliability_log_drop();
  `);
  const ahead = [1, 2].map((n) => partitionOf(new Date(today().getTime() + n * DAY_MS)));
  for (const name of ahead) await sql.unsafe(`drop table if exists "${name}"`);
  const oldDay = new Date(today().getTime() - (retentionDays + 10) * DAY_MS);
  const old = partitionOf(oldDay);
  await sql.unsafe(`create table "${old}" partition of decision_log for values from ('${oldDay.toISOString()}') to ('${new Date(oldDay.getTime() + DAY_MS).toISOString()}')`);
  await sql`delete from reliability_ddl_log`;
  return { toCreate: ahead, toDrop: [old] };
}

/** How many times each decision-log partition was created and dropped since prepareMaintenanceWork, by how many connections. */
export async function partitionStatements(sql: postgres.Sql): Promise<{ creates: Record<string, number>; drops: Record<string, number>; backends: number }> {
  const rows = await sql<Array<{ tag: string; object: string; backend: number }>>`
    select tag, object, backend from reliability_ddl_log where object like '%decision\\_log\\_p%' order by at`;
  const count = (tag: string) => {
    const out: Record<string, number> = {};
    for (const r of rows.filter((x) => x.tag === tag)) {
      const name = r.object.replace(/^public\./, "");
      out[name] = (out[name] ?? 0) + 1;
    }
    return out;
  };
  return { creates: count("CREATE TABLE"), drops: count("DROP TABLE"), backends: new Set(rows.map((r) => r.backend)).size };
}
