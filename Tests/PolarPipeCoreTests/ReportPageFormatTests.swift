import Testing
@testable import PolarPipeCore

/// What the pages print for times, durations, sports and calendars, as an athlete reads them.
@Suite struct ReportPageFormatTests {
    /// 2025-02-11T14:18:00Z.
    static let instant: Int64 = (Int64(PolarTime.daysFromCivil(2025, 2, 11)) * 86_400 + 14 * 3600 + 18 * 60) * 1000

    @Test func startTimesAreTheWatchsLocalClockWithItsOffset() {
        #expect(Format.local(Self.instant, offsetMinutes: 480) == "2025-02-11 22:18 (+08:00)")
        #expect(Format.local(Self.instant, offsetMinutes: -330) == "2025-02-11 08:48 (-05:30)")
        #expect(Format.local(Self.instant, offsetMinutes: 0) == "2025-02-11 14:18 (+00:00)")
        #expect(Format.local(Self.instant, offsetMinutes: nil) == "2025-02-11 14:18 (offset unknown)")
        // An offset beyond the ±18 h that exist is clamped, not trusted.
        #expect(Format.local(Self.instant, offsetMinutes: 100_000) == "2025-02-12 08:18 (+18:00)")
        #expect(Format.utc(Self.instant) == "2025-02-11 14:18 UTC")
    }

    @Test func durationsReadAsHoursAndMinutes() {
        #expect(Format.duration(3_900) == "1 h 05 min" && Format.duration(3_725.4) == "1 h 02 min")
        #expect(Format.duration(2_890) == "48 min 10 s" && Format.duration(59.6) == "1 min 00 s" && Format.duration(42) == "42 s")
        #expect(Format.duration(1_126_800) == "313 h 00 min" && Format.duration(nil) == "–" && Format.duration(.infinity) == "–")
        #expect(Format.clock(272) == "4:32" && Format.clock(3_725) == "1:02:05" && Format.clock(-1) == "–")
        #expect(Format.bpm(141.6) == "142 bpm" && Format.bpmRange(98, 171) == "98–171 bpm" && Format.speed(28.44) == "28.4 km/h")
    }

    @Test(arguments: [("TABLE_TENNIS", "Table tennis"), ("RUNNING", "Running"), ("TREADMILL_RUNNING", "Treadmill running"),
                      ("SPORT_123", "Sport 123"), ("", "Unknown")])
    func sportNamesAreWords(_ code: String, _ words: String) {
        #expect(SportNames.displayName(code) == words)
    }

    @Test func speedIsPaceOnFootAndKilometresPerHourOnABike() {
        #expect(SportKind(sport: "TRAIL_RUNNING") == .onFoot && SportKind(sport: "WALKING") == .onFoot && SportKind(sport: "HIKING") == .onFoot)
        #expect(SportKind(sport: "ROAD_CYCLING") == .cycling && SportKind(sport: "MOUNTAIN_BIKING") == .cycling)
        #expect(SportKind(sport: "TABLE_TENNIS") == .other)
        #expect(Format.tempo(sport: "RUNNING", paceMinPerKm: 5.5, speedKmh: 10.9) == "5:30 /km")
        #expect(Format.tempo(sport: "CYCLING", paceMinPerKm: 2.1, speedKmh: 28.44) == "28.4 km/h")
    }

    @Test func recordsArePerSportAndABikeRideSetsNoFastestKilometre() {
        func summary(_ sport: String, _ id: Int64, day: Int64, distance: Double, best5km: Double?) -> ExerciseSummary {
            var s = ExerciseSummary(sport: sport, startUTCMillis: Self.instant + day * 86_400_000, durationS: distance / 3,
                                    distanceM: distance, calories: nil, hrSamples: 0, hrSum: 0)
            s.exerciseID = id
            s.best5kmS = best5km
            return s
        }
        let records = PersonalRecord.compute([summary("RUNNING", 1, day: 0, distance: 10_000, best5km: 1_500),
                                              summary("CYCLING", 2, day: 1, distance: 60_000, best5km: 420),
                                              summary("RUNNING", 3, day: 2, distance: 8_000, best5km: 1_450)])
        let running = records.filter { $0.sport == "RUNNING" }, cycling = records.filter { $0.sport == "CYCLING" }
        #expect(running.first { $0.record == "fastest_5km" }.map { ($0.value, $0.exerciseID) } ?? (0, 0) == (1_450, 3))
        #expect(running.first { $0.record == "longest_distance" }?.exerciseID == 1)
        #expect(cycling.map(\.record) == ["longest_distance", "longest_duration"])
        #expect(cycling.first?.value == 60_000)
        let overall = PersonalRecord.overall(records)
        #expect(overall.first { $0.record == "longest_distance" }?.sport == "CYCLING")
        #expect(overall.first { $0.record == "fastest_5km" }?.value == 1_450)
    }

    @Test func weeklyChartsRunOnACalendarWithEmptyWeeks() {
        // Two weeks with exercises 2014 and 2025, far apart: the chart is the 52 weeks up to the last one.
        let old = PolarTime.daysFromCivil(2014, 11, 3), recent = PolarTime.daysFromCivil(2025, 2, 10), previous = recent - 21
        let rows = [WeeklyTotals(week: "2014-W45", monday: old, exercises: 3, distanceM: 30_000, durationS: 9_000, trimp: 0, activeUsers: 1),
                    WeeklyTotals(week: "2025-W04", monday: previous, exercises: 1, distanceM: 5_000, durationS: 1_800, trimp: 0, activeUsers: 1),
                    WeeklyTotals(week: "2025-W07", monday: recent, exercises: 2, distanceM: 12_000, durationS: 3_600, trimp: 0, activeUsers: 1)]
        let weeks = CalendarSeries.weeks(rows, endingAt: recent + 3, count: 52)
        #expect(weeks.count == 52 && weeks.last?.monday == recent && weeks.first?.monday == recent - 51 * 7)
        #expect(weeks.map(\.exercises).reduce(0, +) == 3)  // 2014 is outside the window
        #expect(weeks[48].exercises == 1 && weeks[49].exercises == 0 && weeks[50].exercises == 0 && weeks[51].distanceM == 12_000)
        #expect(weeks[51].label == "2025-W07 (10 Feb 2025)")
        let axis = CalendarSeries.axisLabels(weeks)
        #expect(axis.filter { !$0.isEmpty } == ["Mar 2024", "May 2024", "Jul 2024", "Sep 2024", "Nov 2024", "Jan 2025"])
        #expect(CalendarSeries.weeks(rows, endingAt: recent, count: 1_000_000).count == CalendarSeries.maxWeeks)
        #expect(CalendarSeries.years(rows).map(\.year) == [2014, 2025] && CalendarSeries.years(rows).last?.exercises == 3)
    }
}
