package schema_test

import (
	"math/big"
	"net/netip"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/transition/schema"
)

// Types that decode themselves are described by what they accept, so a
// payload the decoder takes passes the schema's check too.
func TestSelfDecodingTypes(t *testing.T) {
	type in struct {
		IP  netip.Addr `json:"ip"`
		Big *big.Int   `json:"big"`
	}
	js, check, err := schema.Compile(reflect.TypeFor[in]())
	require.NoError(t, err)
	assert.Nil(t, check([]byte(`{"ip":"1.2.3.4","big":12345678901234567890}`)))
	assert.Contains(t, string(js), `"ip":{"type":"string"}`)
	fe := check([]byte(`{"ip":7,"big":1}`))
	require.Len(t, fe, 1)
	assert.Equal(t, "/ip", fe[0].Field)
	assert.Equal(t, "type", fe[0].Code)
}
