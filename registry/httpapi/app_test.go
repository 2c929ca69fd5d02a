package httpapi_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/registry/httpapi"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/schema"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// The tests' application: boards of cards. Archiving a board archives its
// cards (a chain); finishing a card needs a note and an open board.

type User struct {
	Name  string
	Admin bool
}

func (u User) String() string { return u.Name }

var (
	alice = User{Name: "alice"}
	bob   = User{Name: "bob"}
	root  = User{Name: "root", Admin: true}
	users = map[string]User{"alice": alice, "bob": bob, "root": root}
)

type BoardStatus string

func (BoardStatus) StateType() *state.Type[BoardStatus] { return BoardState }

type CardStatus string

func (CardStatus) StateType() *state.Type[CardStatus] { return CardState }

var (
	BoardState    = state.NewType[BoardStatus]("BoardState")
	BoardOpen     = BoardState.State("open", "Open")
	BoardArchived = BoardState.State("archived", "Archived", state.Final())
	CardState     = state.NewType[CardStatus]("CardState")
	Todo          = CardState.State("todo", "To do")
	Done          = CardState.State("done", "Done")
	CardArchived  = CardState.State("archived", "Archived", state.Final())
	BoardStatusOf = state.Bind(BoardState, "status", func(b *Board) *state.State[BoardStatus] { return &b.Status })
	CardStatusOf  = state.Bind(CardState, "status", func(c *Card) *state.State[CardStatus] { return &c.Status })
)

type Board struct {
	ID      int64
	Owner   string
	Title   string
	Status  state.State[BoardStatus]
	Version int64
}

type Card struct {
	ID      int64
	BoardID int64
	Owner   string
	Note    string
	Status  state.State[CardStatus]
	Version int64
}

type Repo struct{ q sqlstore.Querier }

func newRepo(q sqlstore.Querier) *Repo { return &Repo{q} }

var (
	boardRows = sqlstore.Map[*Repo]("boards", func(b *Board) []sqlstore.Column {
		return []sqlstore.Column{sqlstore.Key("id", &b.ID), sqlstore.Col("owner", &b.Owner), sqlstore.Col("title", &b.Title),
			sqlstore.Col("status", &b.Status), sqlstore.Version("version", &b.Version)}
	})
	cardRows = sqlstore.Map[*Repo]("cards", func(c *Card) []sqlstore.Column {
		return []sqlstore.Column{sqlstore.Key("id", &c.ID), sqlstore.Col("board_id", &c.BoardID), sqlstore.Col("owner", &c.Owner),
			sqlstore.Col("note", &c.Note), sqlstore.Col("status", &c.Status), sqlstore.Version("version", &c.Version)}
	})
	Boards = transition.For[User, *Repo](BoardStatusOf).Identify(func(b *Board) any { return b.ID }).
		Version(func(b *Board) *int64 { return &b.Version }).Table(boardRows)
	Cards = transition.For[User, *Repo](CardStatusOf).Identify(func(c *Card) any { return c.ID }).
		Version(func(c *Card) *int64 { return &c.Version }).Table(cardRows)

	ArchiveBoard = transition.New[transition.NoInput](Boards, "archive", transition.From(BoardOpen).To(BoardArchived)).
			Allow("owner", func(_ context.Context, u User, b *Board) bool { return u.Name == b.Owner }).
			Allow("admin", func(_ context.Context, u User, _ *Board) bool { return u.Admin }).
			Cascade(transition.Each("cards", cardsOf, ArchiveCard))
	RenameBoard = transition.New[RenameInput](Boards, "rename", transition.From(BoardOpen).Stay()).
			Allow("owner", func(_ context.Context, u User, b *Board) bool { return u.Name == b.Owner }).
			Effect("title", func(_ context.Context, _ *Repo, e *transition.Event[Board, BoardStatus, User, RenameInput]) error {
			if e.Input.Title == "wait" { // a request that runs until the test lets it go
				renaming <- struct{}{}
				<-renaming
			}
			e.Model.Title = e.Input.Title
			return nil
		})
	FinishCard = transition.New[FinishInput](Cards, "finish", transition.From(Todo).To(Done)).
			Allow("owner", func(_ context.Context, u User, c *Card) bool { return u.Name == c.Owner }).
			WhenRelated(transition.Related("board", boardOf, BoardStatusOf.In(BoardOpen))).
			Effect("note", func(_ context.Context, _ *Repo, e *transition.Event[Card, CardStatus, User, FinishInput]) error {
			switch e.Input.Note {
			case "explode":
				return errors.New("the note exploded")
			case "cancel":
				return transition.Cancel("the note says cancel")
			}
			e.Model.Note = e.Input.Note
			return nil
		})
	ArchiveCard = transition.New[transition.NoInput](Cards, "archive", transition.From(Todo, Done).To(CardArchived)).
			Allow("owner", func(_ context.Context, u User, c *Card) bool { return u.Name == c.Owner }).
			Allow("admin", func(_ context.Context, u User, _ *Card) bool { return u.Admin })
)

// renaming holds a rename to "wait" until the test receives from it, and
// sends to it again.
var renaming = make(chan struct{})

// RenameInput is a board's new title.
type RenameInput struct {
	Title string `json:"title" jsonschema:"minLength=1,maxLength=40"`
}

// FinishInput is what finishing a card needs: a note.
type FinishInput struct {
	Note string `json:"note" jsonschema:"minLength=3"`
}

func cardsOf(ctx context.Context, r *Repo, b *Board) ([]*Card, error) {
	return cardRows.Select(ctx, r.q, sqlexpr.And(sqlexpr.Col("board_id").Eq(b.ID), sqlexpr.Col("status").Ne("archived")), sqlstore.NoLock)
}

func boardOf(ctx context.Context, r *Repo, c *Card) (*Board, error) {
	return one(boardRows.Select(ctx, r.q, sqlexpr.Col("id").Eq(c.BoardID), sqlstore.ForShare))
}

func one[M any](ms []*M, err error) (*M, error) {
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return ms[0], nil
}

// byID loads the row of table whose key is id, a number.
func byID[M any](table *sqlstore.Table[*Repo, M]) func(ctx context.Context, r *Repo, id string) (*M, error) {
	return func(ctx context.Context, r *Repo, id string) (*M, error) {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, nil // no such object
		}
		return one(table.Select(ctx, r.q, sqlexpr.Col("id").Eq(n), sqlstore.NoLock))
	}
}

// errNoUser: a request without a known user.
var errNoUser = errors.New("send X-User: alice, bob or root")

// actorOf authenticates a request, as a test does: by its X-User header.
func actorOf(r *http.Request) (User, error) {
	u, ok := users[r.Header.Get("X-User")]
	if !ok {
		return User{}, errNoUser
	}
	return u, nil
}

// handler returns the API over store: bob sees only boards and cards he
// owns; everyone else sees everything; only root follows the feed.
func handler(store httpapi.Store[*Repo], maxBody int64, log *slog.Logger) (*httpapi.Handler[User, *Repo], error) {
	reg, err := registry.New[User, *Repo](&registry.Options{Schemas: schema.Compile}, Boards, Cards)
	if err != nil {
		return nil, err
	}
	return httpapi.New(httpapi.Config[User, *Repo]{
		Registry: reg,
		Store:    store,
		Actor:    actorOf,
		Models: []httpapi.Model[User, *Repo]{
			httpapi.NewModel("boards", byID(boardRows), func(_ context.Context, u User, b *Board) bool { return u.Name != "bob" || b.Owner == "bob" }),
			httpapi.NewModel("cards", byID(cardRows), func(_ context.Context, u User, c *Card) bool { return u.Name != "bob" || c.Owner == "bob" }),
		},
		Feed:     func(_ context.Context, u User) bool { return u.Admin },
		MaxBody:  maxBody,
		MaxSteps: 2,
		Log:      log,
	})
}
