package hlsproxy

import "time"

// nowFunc is the clock of the caches (tests may replace it).
var nowFunc = time.Now
