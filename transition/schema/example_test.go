package schema_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/statecraft/statecraft/transition/schema"
)

// A transition's input type, described for a form.
func ExampleJSON() {
	type PublishInput struct {
		StartAt time.Time `json:"start_at,omitzero" jsonschema:"title=Start date"`
		Note    string    `json:"note" jsonschema:"minLength=1,maxLength=200"`
	}
	b, err := schema.JSON(reflect.TypeFor[PublishInput]())
	if err != nil {
		panic(err)
	}
	var doc map[string]any
	_ = json.Unmarshal(b, &doc)
	out, _ := json.MarshalIndent(doc["properties"], "", "  ")
	fmt.Println(string(out))
	fmt.Println("required:", doc["required"])
	// Output:
	// {
	//   "note": {
	//     "maxLength": 200,
	//     "minLength": 1,
	//     "type": "string"
	//   },
	//   "start_at": {
	//     "format": "date-time",
	//     "title": "Start date",
	//     "type": "string"
	//   }
	// }
	// required: [note]
}

// The check of a transition's input: the registry runs it on each payload
// that decoding has accepted, and reports what it finds as field errors.
func ExampleCompile() {
	type PublishInput struct {
		StartAt  time.Time `json:"start_at,omitzero"`
		Note     string    `json:"note" jsonschema:"minLength=1,maxLength=200"`
		Priority string    `json:"priority,omitempty" jsonschema:"enum=low,enum=high"`
	}
	_, check, err := schema.Compile(reflect.TypeFor[PublishInput]())
	if err != nil {
		panic(err) // a pattern Go cannot compile, found when the registry is built
	}
	for _, e := range check([]byte(`{"note":"","start_at":"next Tuesday","priority":"urgent"}`)) {
		fmt.Printf("%s %s: %s\n", e.Field, e.Code, e.Message)
	}
	fmt.Println(check([]byte(`{"note":"Ready","start_at":"2026-11-28T09:30:00Z"}`)) == nil)
	// Output:
	// /note min_length: must be at least 1 character long
	// /priority enum: must be one of: "low", "high"
	// /start_at format: must be a date and time such as 2026-11-28T09:30:00Z
	// true
}
