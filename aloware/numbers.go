package aloware

import (
	"errors"
	"math"
	"strconv"

	"github.com/aloware-kendo/aloware-kendo/internal/jsontape"
)

var (
	errNotNumber  = errors.New("not a number")
	errFractional = errors.New("not a whole number")
	errRange      = errors.New("out of range")
)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseWhole reads a JSON number (its literal text) as a whole int. "63", "63.0" and
// "6.3e1" are 63; "63.5" is errFractional; anything beyond int is errRange.
func parseWhole(lit string) (int, error) {
	if !jsontape.IsNumber(lit) {
		return 0, errNotNumber
	}
	if isInteger(lit) {
		n, err := strconv.ParseInt(lit, 10, strconv.IntSize)
		if err != nil {
			return 0, errRange
		}
		return int(n), nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.Abs(f) >= maxIntFloat {
		return 0, errRange
	}
	if f != math.Trunc(f) {
		return 0, errFractional
	}
	return int(f), nil
}

// parseRounded reads a JSON number as an int rounded to the nearest whole (for
// durations, where a computed 62.6 s is still a usable 63 s).
func parseRounded(lit string) (int, error) {
	if isInteger(lit) {
		return parseWhole(lit)
	}
	if !jsontape.IsNumber(lit) {
		return 0, errNotNumber
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return 0, errRange
	}
	f = math.Round(f)
	if math.Abs(f) >= maxIntFloat {
		return 0, errRange
	}
	return int(f), nil
}

// isInteger: a number literal without fraction or exponent.
func isInteger(lit string) bool {
	for i := range len(lit) {
		switch lit[i] {
		case '.', 'e', 'E':
			return false
		}
	}
	return true
}

// maxIntFloat is the first float64 beyond the int range (2^63 on 64-bit platforms).
const maxIntFloat = float64(1 << (strconv.IntSize - 1))
