// Package dbtest opens the real databases statecraft's tests run against:
// SQLite, embedded through the pure-Go modernc.org/sqlite driver, always;
// and PostgreSQL, through pgx, when a server is configured.
//
// Only tests import it, so the library's own packages never link a driver.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/statecraft/statecraft/internal/dbwrap"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// PostgresEnv names the environment variable holding the DSN of a
// PostgreSQL server the tests may use, such as
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. Each test
// works in a schema of its own, dropped when it ends. .ci/run starts a
// server and sets it.
const PostgresEnv = "STATECRAFT_POSTGRES_DSN"

// DB is an open test database.
type DB struct {
	*sql.DB
	Name    string          // "sqlite" or "postgres"
	Dialect sqlexpr.Dialect // placeholders and quoting for Name
}

// SQLite opens a new SQLite database in a file under t.TempDir, closed when
// the test ends. Times are stored in SQLite's own text format, which sorts
// chronologically for UTC times.
func SQLite(t testing.TB) *DB {
	t.Helper()
	return open(t, "sqlite", nil)
}

// Postgres connects to the server named by $STATECRAFT_POSTGRES_DSN, in a
// fresh schema that is dropped when the test ends. It skips the test, with
// a message saying how to run it, when the variable is not set, and fails
// it when the server cannot be reached.
func Postgres(t testing.TB) *DB {
	t.Helper()
	return open(t, "postgres", nil)
}

// Wrapped opens the database name ("sqlite" or "postgres") as SQLite or
// Postgres does, with every operation going through w, to count statements
// or inject faults.
func Wrapped(t testing.TB, name string, w *dbwrap.Wrapper) *DB {
	t.Helper()
	return open(t, name, w)
}

// open opens the database name, through w if it is not nil.
func open(t testing.TB, name string, w *dbwrap.Wrapper) *DB {
	t.Helper()
	var driverName, dsn, what string
	var dialect sqlexpr.Dialect
	switch name {
	case "sqlite":
		driverName, what, dialect = "sqlite", "SQLite", sqlexpr.SQLite
		dsn = "file:" + filepath.Join(t.TempDir(), "test.db") + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_time_format=sqlite"
	case "postgres":
		driverName, what, dialect = "pgx", "PostgreSQL", sqlexpr.Postgres
		dsn = postgresDSN(t)
	default:
		t.Fatalf("dbtest: no database called %q: want sqlite or postgres", name)
	}
	var db *sql.DB
	var err error
	if w == nil {
		db, err = sql.Open(driverName, dsn)
	} else {
		db, err = dbwrap.Open(driverName, dsn, w)
	}
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", what, err)
	}
	t.Cleanup(func() { db.Close() }) // before postgresDSN's cleanup drops the schema
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("dbtest: ping %s: %v", what, err)
	}
	return &DB{DB: db, Name: name, Dialect: dialect}
}

// postgresDSN creates a schema on the server named by $STATECRAFT_POSTGRES_DSN,
// dropped when the test ends, and returns a DSN working in it.
func postgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Skipf("PostgreSQL not configured: set %s to a server's DSN (for example postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) to run this test; .ci/run does", PostgresEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("dbtest: open PostgreSQL (%s): %v", PostgresEnv, err)
	}
	defer admin.Close()
	schema := "test_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		t.Fatalf("dbtest: PostgreSQL at %s: create schema: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Errorf("dbtest: drop schema %s: %v", schema, err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA "` + schema + `" CASCADE`); err != nil {
			t.Errorf("dbtest: drop schema %s: %v", schema, err)
		}
	})

	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("dbtest: %s is not a URL DSN: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx sends it as a run-time parameter of every connection
	u.RawQuery = q.Encode()
	return u.String()
}

// Each runs f as a subtest against every database: "sqlite" always, and
// "postgres" when one is configured (skipped otherwise).
func Each(t *testing.T, f func(t *testing.T, db *DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, Postgres(t)) })
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
