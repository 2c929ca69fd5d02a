package sqlstore

// CompareValues is compareValues, the order Survey gives the undeclared
// values it finds as often: by type, then by value.
var CompareValues = compareValues
