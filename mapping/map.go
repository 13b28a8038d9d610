package mapping

// Map decides whether a merged call is ready and builds its Kendo payload.
func Map(c Call) Result {
	return Result{Warnings: []string{}}
}

// MapRaw parses one event, or a JSON array of events of one call, merges and maps them.
// Input that is not an Aloware event gives an *aloware.InputError.
func MapRaw(raw []byte) (Result, error) {
	return Result{Warnings: []string{}}, nil
}

// MapEvents is MapRaw for several separately stored events (e.g. one file each).
func MapEvents(raws [][]byte) (Result, error) {
	return Result{Warnings: []string{}}, nil
}
