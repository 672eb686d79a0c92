#!/usr/bin/env python3
"""Turns the statements one data API request sent (PostgreSQL's csvlog with log_statement=all)
into a pgbench script that sends the same statements, in the same transaction, with the same
parameters, as prepared statements.

  capture.py CSVLOG MARKER OUTDIR NAME [VALUE=VARIABLE ...]

CAPTURE_APP (default atelier, the data API's pool) is the application_name to look at. MARKER is a text only the captured request's statements carry (an id, a title); the request's
transaction is every statement of the same session and virtual transaction. Each parameter becomes
a pgbench variable: those whose value is listed as VALUE=VARIABLE use that variable (set by the
caller's \\set lines), the others get their captured value through pgbench -D, written to
OUTDIR/NAME.vars (one NAME=VALUE a line). The script sends the statements in the exchanges the
client made (pgbench pipelines): CAPTURE_GROUPS lists how many statements each exchange held, in
order, the rest one by one; the default `2` is JDBC's BEGIN with the statement after it. Writes OUTDIR/NAME.sql
(the script body, without \\set lines) and OUTDIR/NAME.txt (the statements as logged, for reading) and
OUTDIR/NAME.explain.sql (the transaction again in psql, its main statement under EXPLAIN ANALYZE, rolled back).
"""
import csv
import os
import re
import sys

MESSAGE, DETAIL, SESSION, VXID, APP = 13, 14, 5, 9, 22
PARAM = re.compile(r"\$(\d+) = ('(?:[^']|'')*'|NULL)")


def statements(path):
    csv.field_size_limit(1 << 30)
    with open(path, newline="") as f:
        for row in csv.reader(f):
            m = re.match(r"(execute [^:]+|statement): (.*)", row[MESSAGE], re.S)
            if m:
                yield row, m.group(2)


def main():
    log, marker, outdir, name = sys.argv[1:5]
    wanted = dict(a.split("=", 1) for a in sys.argv[5:])
    rows = list(statements(log))
    app = os.environ.get("CAPTURE_APP", "atelier")
    hits = [r for r, _ in rows if r[APP] == app and (marker in r[MESSAGE] or marker in r[DETAIL])]
    if not hits:
        sys.exit(f"capture.py: no statement of application {app!r} carries {marker!r} in {log}")
    key = (hits[-1][SESSION], hits[-1][VXID])
    tx = [(r, sql) for r, sql in rows if (r[SESSION], r[VXID]) == key]
    script, readable, variables, explain = [], [], [], ["BEGIN;"]
    for i, (r, sql) in enumerate(tx, 1):
        values = {}
        for num, value in PARAM.findall(r[DETAIL] or ""):
            values[num] = None if value == "NULL" else value[1:-1].replace("''", "'")
        body = sql.strip().rstrip(";")
        if body.upper() not in ("BEGIN", "COMMIT", "BEGIN READ ONLY"):
            nums = sorted(int(k) for k in values)
            args = ", ".join("NULL" if values[str(k)] is None else "'" + values[str(k)].replace("'", "''") + "'"
                             for k in range(1, (nums[-1] if nums else 0) + 1))
            explain.append(f"PREPARE q{i} AS {body};")
            call = f"EXECUTE q{i}" + (f"({args})" if args else "") + ";"
            if i == len(tx) - 1:  # the main statement: its custom plan, then the generic plan a cached statement may use
                explain.append("EXPLAIN (ANALYZE, BUFFERS) " + call)
                explain.append("SET LOCAL plan_cache_mode = force_generic_plan;")
                explain.append("EXPLAIN (ANALYZE, BUFFERS) " + call)
            else:
                explain.append(call)
        readable.append(sql.strip() + ";" + ("\n-- " + r[DETAIL] if r[DETAIL] else ""))

        def var(m, values=values, i=i):
            num = m.group(1)
            value = values.get(num)
            if value is None:
                return "NULL"
            if value in wanted:
                return ":" + wanted[value]
            variables.append((f"s{i}p{num}", value))
            return f":s{i}p{num}"

        text = re.sub(r"\$(\d+)\b", var, sql.strip()).rstrip(";")
        if "\n" in text or ";" in text:
            text = " ".join(text.split())  # one line a statement; a ';' would end it early
            if ";" in text:
                sys.exit(f"capture.py: statement {i} holds a ';' pgbench would split on")
        script.append(text + ";")
    grouped, rest = [], list(script)
    for size in (int(n) for n in os.environ.get("CAPTURE_GROUPS", "2").split(",")):
        group, rest = rest[:size], rest[size:]
        grouped += ["\\startpipeline"] + group + ["\\endpipeline"] if len(group) > 1 else group
    script = grouped + rest
    for k, v in variables:
        if "\n" in v:
            sys.exit(f"capture.py: parameter {k} holds a line break")
    with open(f"{outdir}/{name}.sql", "w") as f:
        f.write("\n".join(script) + "\n")
    with open(f"{outdir}/{name}.vars", "w") as f:
        f.writelines(f"{k}={v}\n" for k, v in variables)
    with open(f"{outdir}/{name}.explain.sql", "w") as f:
        f.write("\n".join(explain + ["ROLLBACK;"]) + "\n")
    with open(f"{outdir}/{name}.txt", "w") as f:
        f.write("\n".join(readable) + "\n")
    print(f"{name}: {len(tx)} statements in one transaction")


main()
