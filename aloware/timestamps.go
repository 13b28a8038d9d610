package aloware

import "time"

// parseTimestamp reads the ISO 8601 date-times that Aloware and the tools that forward
// its events write: "YYYY-MM-DD", then "T", "t" or a space, then "HH:MM:SS", optional
// fractional seconds (after "." or ","), and an optional zone: "Z" or "z", "±hh:mm",
// "±hhmm" or "±hh". A time without a zone is UTC (Aloware's webhook times are, whatever
// the account's zone), never the host's zone.
// The result is in UTC; ok is false for anything else, impossible dates included.
func parseTimestamp(s string) (t time.Time, ok bool) {
	const dateTime = len("2006-01-02T15:04:05")
	if len(s) < dateTime || !isDateTimeSeparator(s[10]) {
		return time.Time{}, false
	}
	end := dateTime // end of the seconds and their fraction
	if end < len(s) && (s[end] == '.' || s[end] == ',') {
		end++
		digits := end
		for end < len(s) && isDigit(s[end]) {
			end++
		}
		if end == digits {
			return time.Time{}, false
		}
	}
	offset, ok := parseZone(s[end:])
	if !ok {
		return time.Time{}, false
	}
	// time.Parse checks every field's range (no 2026-02-30, no 25:00) and reads the
	// fraction; it is given the one layout it knows, with "." before the fraction.
	b := []byte(s[:end])
	b[10] = 'T'
	if len(b) > dateTime {
		b[dateTime] = '.'
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", string(b), time.UTC)
	if err != nil {
		return time.Time{}, false
	}
	return t.Add(-offset), true
}

func isDateTimeSeparator(c byte) bool { return c == 'T' || c == 't' || c == ' ' }

// parseZone reads "", "Z", "z", "±hh", "±hhmm" or "±hh:mm" as an offset east of UTC.
func parseZone(z string) (time.Duration, bool) {
	switch {
	case z == "" || z == "Z" || z == "z":
		return 0, true
	case z[0] != '+' && z[0] != '-':
		return 0, false
	}
	sign := time.Duration(1)
	if z[0] == '-' {
		sign = -1
	}
	digits := z[1:]
	switch {
	case len(digits) == 5 && digits[2] == ':':
		digits = digits[:2] + digits[3:]
	case len(digits) != 2 && len(digits) != 4:
		return 0, false
	}
	for i := range len(digits) {
		if !isDigit(digits[i]) {
			return 0, false
		}
	}
	hh := int(digits[0]-'0')*10 + int(digits[1]-'0')
	mm := 0
	if len(digits) == 4 {
		mm = int(digits[2]-'0')*10 + int(digits[3]-'0')
	}
	if hh > 23 || mm > 59 {
		return 0, false
	}
	return sign * (time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute), true
}
