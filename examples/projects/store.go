package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/statecraft/statecraft/transition"
)

// This file is what plugs the database into package transition: a Store
// whose units of work are SQL transactions (their history written to the
// audit table), and a Table per model that reloads its row and saves it by
// comparing and setting its version.

// Store is the transition.Store: each unit of work is a transaction of db,
// at the time now gives when it begins.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

func (s *Store) Begin(ctx context.Context) (transition.Tx[*Repo], error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &sqlTx{&Repo{tx}, s.now()}, nil
}

// sqlTx is a unit of work of a Store (a transition.Tx, so also the Scope
// checks run in).
type sqlTx struct {
	*Repo
	at time.Time
}

func (t *sqlTx) Unit() *Repo                    { return t.Repo }
func (t *sqlTx) Now() time.Time                 { return t.at }
func (t *sqlTx) Commit(context.Context) error   { return t.tx.Commit() }
func (t *sqlTx) Rollback(context.Context) error { return t.tx.Rollback() }

// Append writes the history the library hands over into the audit table,
// a row per field each step moved; a cascaded step's rows point at the
// first row of its cause.
func (t *sqlTx) Append(ctx context.Context, steps []transition.Step) error {
	first := make([]int64, len(steps)) // the seq of each step's first row
	for i, s := range steps {
		input := []byte("{}") // no input
		if s.Input != nil {
			var err error
			if input, err = json.Marshal(s.Input); err != nil {
				return err
			}
		}
		var cause any // NULL for the transition asked for
		if s.Cause >= 0 {
			cause = first[s.Cause]
		}
		for k, mv := range s.Moves {
			var seq int64
			// The step read version s.Version and wrote the next one.
			if err := t.tx.QueryRowContext(ctx, `INSERT INTO audit (machine, object, version, field, transition, from_state, to_state, actor, input, at, cause)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
				s.Machine, s.Object, s.Version+1, mv.Field, s.Transition, mv.From.Title, mv.To.Title, s.Actor, string(input), s.At, cause,
			).Scan(&seq); err != nil {
				return err
			}
			if k == 0 {
				first[i] = seq
			}
		}
	}
	return nil
}

// projectTable and taskTable load and save rows for the machines (see
// Machine.Table). Save compares and sets the version the transition read:
// the library has already put the next version in the model.
type projectTable struct{}

func (projectTable) Load(ctx context.Context, tx transition.Tx[*Repo], ps []*Project, _ bool) ([]*Project, error) {
	out := make([]*Project, len(ps))
	for i, p := range ps {
		var err error
		if out[i], err = tx.Unit().Project(ctx, p.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (projectTable) Save(ctx context.Context, tx transition.Tx[*Repo], ws []transition.Write[Project]) error {
	for _, w := range ws {
		p := w.Model
		if err := tx.Unit().update(ctx, "projects", p.ID, w.Version,
			`UPDATE projects SET status = ?, start_at = ?, reason = ?, version = ? WHERE id = ? AND version = ?`,
			p.Status, p.StartAt, p.Reason, p.Version, p.ID, w.Version); err != nil {
			return err
		}
	}
	return nil
}

type taskTable struct{}

func (taskTable) Load(ctx context.Context, tx transition.Tx[*Repo], ts []*Task, _ bool) ([]*Task, error) {
	out := make([]*Task, len(ts))
	for i, t := range ts {
		var err error
		if out[i], err = tx.Unit().Task(ctx, t.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (taskTable) Save(ctx context.Context, tx transition.Tx[*Repo], ws []transition.Write[Task]) error {
	for _, w := range ws {
		t := w.Model
		if err := tx.Unit().update(ctx, "tasks", t.ID, w.Version,
			`UPDATE tasks SET status = ?, owner = ?, version = ? WHERE id = ? AND version = ?`,
			t.Status, t.Owner, t.Version, t.ID, w.Version); err != nil {
			return err
		}
	}
	return nil
}

// update runs a compare-and-set UPDATE: if it updates no row, another
// writer saved (or deleted) the row since the transition read it.
func (r *Repo) update(ctx context.Context, table string, id, version int64, query string, args ...any) error {
	res, err := r.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	found := "no row"
	var now int64
	if r.tx.QueryRowContext(ctx, `SELECT version FROM `+table+` WHERE id = ?`, id).Scan(&now) == nil {
		found = fmt.Sprint("version ", now)
	}
	// The library names the object.
	return &transition.ConflictError{Expected: fmt.Sprint("version ", version), Found: found}
}
