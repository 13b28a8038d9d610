package store

import "encoding/json"

// callIDsIn is the condition "aloware_call_id is one of the ids passed as param", and the
// argument that carries them: one parameter for any number of ids. SQLite's cost of $N
// parameters grows with the square of their count (10,000 ids took 0.54 s, as a JSON
// array 7 ms); PostgreSQL takes an array.
func callIDsIn(d Dialect, param string, ids []string) (cond string, arg any) {
	if d == Postgres {
		return "aloware_call_id = ANY(" + param + ")", ids
	}
	list, _ := json.Marshal(ids) // strings always marshal
	return "aloware_call_id IN (SELECT value FROM json_each(" + param + "))", string(list)
}
