// Command projects is statecraft's first example: it declares the states of
// a project (the seed's ProjectState), stores projects in an embedded SQLite
// database, and asks the same questions of Go values and of SQL rows.
//
//	go run ./examples/projects
//
// It needs no server: SQLite runs in-process through the pure-Go
// modernc.org/sqlite driver, in a file that is removed when it ends (or in
// the file given with -db, which is kept).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

func main() {
	dbPath := flag.String("db", "", "SQLite database file to use (default: a temporary file)")
	flag.Parse()
	log.SetFlags(0)

	path := *dbPath
	if path == "" {
		dir, err := os.MkdirTemp("", "statecraft-example-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "projects.db")
	}
	// A fixed clock, so that the output is the same on every run.
	clock = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	if err := run(context.Background(), os.Stdout, path); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_time_format=sqlite")
	if err != nil {
		return err
	}
	defer db.Close()

	// The CHECK constraint comes from the declarations, so the database
	// itself refuses a status the code does not know.
	check, err := ProjectState.CheckConstraint(sqlexpr.SQLite, "status")
	if err != nil {
		return err
	}
	ddl := `CREATE TABLE projects (
		id       INTEGER PRIMARY KEY,
		title    TEXT NOT NULL,
		status   INTEGER NOT NULL ` + check + `,
		start_at TIMESTAMP NOT NULL
	)`
	fmt.Fprintln(w, "-- schema")
	fmt.Fprintln(w, strings.Join(strings.Fields(ddl), " "))
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return err
	}

	now := clock()
	projects := []Project{
		{1, "Annual report", Draft, now.AddDate(0, 1, 0)},
		{2, "Spring launch", Published, now.AddDate(0, 3, 0)},
		{3, "Autumn sale", Published, now.AddDate(0, -1, 0)},
		{4, "Old campaign", Withdrawn, now.AddDate(-1, 0, 0)},
		{5, "Typo page", Deleted, now.AddDate(0, 0, -2)},
	}
	for _, p := range projects {
		// A State is a driver.Valuer: it is written as its value, 1 to 4.
		if _, err := db.ExecContext(ctx,
			`INSERT INTO projects (id, title, status, start_at) VALUES (?, ?, ?, ?)`,
			p.ID, p.Title, p.Status, p.StartAt); err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "\n-- projects, read back into Go")
	all, err := query(ctx, db, sqlexpr.True)
	if err != nil {
		return err
	}
	for _, p := range all {
		fmt.Fprintf(w, "%d %-14s %-9s gone=%-5v future=%v\n", p.ID, p.Title, p.Status, p.Status.In(Gone), Future.Match(&p))
	}

	// The same definitions, asked of the database.
	for _, q := range []struct {
		name  string
		where sqlexpr.Expr
	}{
		{"Gone", Status.In(Gone).Expr()},
		{"Future", Future.Expr()},
		{"Published but not Future", sqlexpr.And(Published.Expr("status"), sqlexpr.Not(Future.Expr()))},
	} {
		where := q.where
		sqlText, args, err := where.Render(sqlexpr.SQLite)
		if err != nil {
			return err
		}
		rows, err := query(ctx, db, where)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n-- %s: WHERE %s %v\n", q.name, sqlText, formatArgs(args))
		for _, p := range rows {
			fmt.Fprintf(w, "%d %s\n", p.ID, p.Title)
		}
	}

	// Values the code does not know are refused on the way in and on the
	// way out.
	fmt.Fprintln(w, "\n-- an unknown status")
	_, err = db.ExecContext(ctx, `INSERT INTO projects (id, title, status, start_at) VALUES (6, 'Bad', 9, ?)`, now)
	fmt.Fprintln(w, "insert status 9:", firstLine(err))
	var p Project
	err = p.Status.Scan(int64(9))
	fmt.Fprintln(w, "scan status 9:  ", err)
	return nil
}

// query selects the projects matching where.
func query(ctx context.Context, db *sql.DB, where sqlexpr.Expr) ([]Project, error) {
	cond, args, err := where.Render(sqlexpr.SQLite)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id, title, status, start_at FROM projects WHERE `+cond+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ps []Project
	for rows.Next() {
		var p Project
		// Status scans straight from the column, and rejects unknown values.
		if err := rows.Scan(&p.ID, &p.Title, &p.Status, &p.StartAt); err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			parts[i] = t.Format(time.DateTime)
		} else {
			parts[i] = fmt.Sprint(a)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func firstLine(err error) string {
	if err == nil {
		return "accepted (unexpected)"
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
