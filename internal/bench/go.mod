module github.com/statecraft/statecraft/internal/bench

go 1.26.0

replace github.com/statecraft/statecraft => ../..

require (
	github.com/looplab/fsm v1.0.3
	github.com/qmuntal/stateless v1.7.2
	github.com/statecraft/statecraft v0.0.0-00010101000000-000000000000
)

require golang.org/x/text v0.42.0 // indirect
