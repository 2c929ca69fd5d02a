package transition_test

import (
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// cmpErrors compares the sentinel errors in Reasons by identity.
var cmpErrors = cmp.Options{cmpopts.EquateErrors()}
