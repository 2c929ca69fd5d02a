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
