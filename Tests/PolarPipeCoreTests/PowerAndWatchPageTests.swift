import Testing
@testable import PolarPipeCore

/// The exercise page's power, cadence and HRV, and the watch's own figures beside polarpipe's, as an athlete reads
/// them: from statistics computed from real sample series, rendered to HTML.
@Suite struct PowerAndWatchPageTests {
    /// 2025-02-11T14:18:00Z.
    static let start: Int64 = (Int64(PolarTime.daysFromCivil(2025, 2, 11)) * 86_400 + 14 * 3600 + 18 * 60) * 1000

    /// A 25-minute ride at 1 Hz: 5 min at 150 W, then 20 min at 250 W; cadence 90 rpm (95 in the last minute, 0 while
    /// coasting in the first 10 s); R-R intervals alternating 1000 and 1020 ms; heart rate 140 bpm.
    static func rideSamples() -> ExerciseSamples {
        var s = ExerciseSamples()
        for t in 0 ..< 1_500 {
            let time = Double(t)
            s.power.append(time, t < 300 ? 150 : 250)
            s.cadence.append(time, t < 10 ? 0 : t >= 1_440 ? 95 : 90)
            s.heartRate.append(time, 140)
        }
        s.rr = HeartRateVariability.timed((0 ..< 1_400).map { $0 % 2 == 0 ? 1_000 : 1_020 })
        return s
    }

    static func page(sport: String = "ROAD_BIKING", samples: ExerciseSamples, ftpW: Double?, calories: Double? = 412,
                     recorded: RecordedSummary? = nil, edit: (inout ExerciseStatistics) -> Void = { _ in }) -> ReportWriter.ExercisePage {
        let exercise = ExerciseRecord(id: 7, userID: 1, fileID: 1, exerciseIndex: 0, sport: sport, startUTCMillis: start, tzOffsetMinutes: 60,
                                      durationS: 1_500, distanceM: 12_000, calories: calories)
        var stats = ExerciseStatistics.compute(durationS: 1_500, reportedDistanceM: 12_000, samples: samples,
                                               profile: HeartRateProfile(maxHR: 190, restingHR: 50, sex: "MALE", ftpW: ftpW))
        edit(&stats)
        return ReportWriter.ExercisePage(exercise: exercise, userKey: "ann", stats: stats, samples: samples, splits: [], recorded: recorded)
    }

    static func card(_ value: String, _ label: String) -> String { "<b>\(value)</b><span>\(label)</span>" }

    @Test func aRideWithAPowerMeterShowsItsPowerEffortsZonesCadenceAndHRV() throws {
        let page = Self.page(samples: Self.rideSamples(), ftpW: 250)
        let html = ReportWriter.exercisePage(page, generatedAt: Self.start)
        let p = try #require(page.stats?.power)
        // 345 000 J over 1500 s; the last 20 minutes at 250 W are the best 20 min.
        #expect(html.contains(Self.card("230 W", "average power")) && html.contains(Self.card("250 W", "max power")))
        #expect(html.contains(Self.card("250 W", "best 20 min")) && html.contains(Self.card("250 W", "best 5 min")))
        #expect(html.contains(Self.card("250 W", "best 5 s")) && html.contains(Self.card("250 W", "best 1 min")))
        // NP weighs the hard 20 minutes more than the average does: between 230 and 250 W.
        let np = try #require(p.normalizedW)
        #expect(np > 235 && np < 245)
        #expect(html.contains(Self.card(Format.watts(np), "normalized power")))
        #expect(html.contains(Self.card(Format.number(np / 250, digits: 2), "intensity factor")))
        // 25 min × IF² × 100 / 60.
        #expect(html.contains(Self.card(Format.number(1_500.0 / 3_600 * (np / 250) * (np / 250) * 100, digits: 0), "TSS")))
        // 150 W is 60 % of FTP (zone 2), 250 W is 100 % (zone 4).
        #expect(html.contains("Time in power zones (% of FTP 250 W)"))
        #expect(html.contains("Z2 55–75 % 5 min; Z3 75–90 % 0 min; Z4 90–105 % 20 min"))
        #expect(html.contains("Power by elapsed time"))
        #expect(!html.contains("need your FTP") && !html.contains("without a power meter"))
        // Coasting is no cadence: 90 rpm on average, 95 at most.
        #expect(html.contains(Self.card("90 / 95 rpm", "cadence avg / max")))
        // Successive differences of 20 ms.
        #expect(html.contains(Self.card("20 ms", "HRV (RMSSD)")))
    }

    @Test func withoutAnFTPThePowerSectionSaysWhatIsMissingOnce() {
        let html = ReportWriter.exercisePage(Self.page(samples: Self.rideSamples(), ftpW: nil), generatedAt: Self.start)
        #expect(html.contains(Self.card("230 W", "average power")))
        #expect(!html.contains("<span>intensity factor</span>") && !html.contains("<span>TSS</span>") && !html.contains("Time in power zones"))
        #expect(html.components(separatedBy: "need your FTP").count == 2)
    }

    @Test func aRideWithoutPowerSaysSoOnceAndARunWithoutPowerSaysNothing() {
        var samples = Self.rideSamples()
        samples.power = SampleSeries()
        samples.cadence = SampleSeries()
        let ride = ReportWriter.exercisePage(Self.page(samples: samples, ftpW: 250), generatedAt: Self.start)
        #expect(ride.components(separatedBy: "No power samples: this ride was recorded without a power meter.").count == 2)
        #expect(!ride.contains("average power") && !ride.contains("cadence avg"))
        let run = ReportWriter.exercisePage(Self.page(sport: "RUNNING", samples: samples, ftpW: 250), generatedAt: Self.start)
        #expect(!run.contains("<h2>Power</h2>") && !run.contains("power meter"))
    }

    @Test func theWatchsAscentLoadsAndRunningIndexStandBesidePolarpipesNumbers() {
        let raw = """
            {"exportVersion": "2.2", "loadInformation": {"cardioLoad": 99, "muscleLoad": -1, "perceivedLoad": 0},
             "exercises": [{"sport": "ROAD_BIKING", "ascent": 412,
               "loadInformation": {"cardioLoad": 19.3976, "cardioLoadInterpretation": "VERY_LOW", "muscleLoad": 35.2,
                                   "perceivedLoad": 53, "calculationTime": "2023-07-10T02:14:04.000"},
               "runningIndex": 52}]}
            """
        let recorded = RecordedSummary(raw: raw, ascentM: 412, descentM: 380, reportedHR: ReportedHeartRate(min: 90, avg: 141, max: 171))
        let page = Self.page(samples: Self.rideSamples(), ftpW: 250, recorded: recorded) { stats in
            stats.elevationGainM = 398.4
            stats.elevationLossM = 380.2
        }
        let html = ReportWriter.exercisePage(page, generatedAt: Self.start)
        #expect(html.contains("<h2>Watch and polarpipe</h2>"))
        #expect(html.contains("<td>Ascent</td><td>watch: 412 m · polarpipe: 398 m</td>"))
        // The same once rounded: not repeated.
        #expect(!html.contains("<td>Descent</td>"))
        // polarpipe's average is 140 bpm from the samples; its maximum 140 bpm.
        #expect(html.contains("<td>HR avg</td><td>watch: 141 bpm · polarpipe: 140 bpm</td>"))
        #expect(html.contains("<td>HR max</td><td>watch: 171 bpm · polarpipe: 140 bpm</td>"))
        #expect(html.contains("<td>Calories</td><td>watch: 412 kcal · polarpipe: not computed</td>"))
        // The exercise's own load wins over the session's.
        let trimp = Format.number(page.stats?.trimp, digits: 0)
        #expect(html.contains("<td>Cardio load</td><td>watch: 19.4 (very low) · polarpipe: TRIMP \(trimp)</td>"))
        #expect(html.contains("<td>Muscle load</td><td>watch: 35</td>") && html.contains("<td>Perceived load</td><td>watch: 53</td>"))
        #expect(html.contains("<td>Running index</td><td>watch: 52</td>"))
    }

    @Test(arguments: [
        // New layout, per exercise.
        ("{\"exercises\": [{\"trainingLoadReport\": {\"cardioLoad\": 146.4, \"cardioLoadInterpretation\": \"LOAD_INTERPRETATION_HIGH\", \"muscleLoad\": 0}}]}",
         146.4, "high", nil, nil),
        // AccessLink: kebab-case keys inside, snake-case outside; "not available" as -1 and 0.
        ("{\"running_index\": 36, \"training_load_pro\": {\"cardio-load\": 231.633, \"cardio-load-interpretation\": \"VERY_HIGH\", \"muscle-load\": -1.0, \"perceived-load\": 0.0}}",
         231.633, "very high", nil, 36),
        // Broken or implausible: nothing.
        ("{\"loadInformation\": {\"cardioLoad\": 1e300, \"cardioLoadInterpretation\": \"<b>\"}, \"runningIndex\": 900}", nil, nil, nil, nil),
        ("{\"exercises\": [", nil, nil, nil, nil),
        ("[1, 2, 3]", nil, nil, nil, nil),
    ] as [(String, Double?, String?, Double?, Double?)])
    func watchFiguresAreReadFromEveryLayoutAndNothingOddIsTrusted(_ raw: String, _ cardio: Double?, _ words: String?, _ muscle: Double?,
                                                                 _ runningIndex: Double?) {
        let w = WatchFigures(RecordedSummary(raw: raw, ascentM: nil, descentM: nil, reportedHR: nil))
        #expect(w.cardioLoad == cardio && w.cardioLoadInterpretation == words && w.muscleLoad == muscle && w.runningIndex == runningIndex)
        #expect(w.perceivedLoad == nil)
    }

    @Test func anImplausibleAscentOrHeartRateFromTheFileIsNotShown() {
        let w = WatchFigures(RecordedSummary(raw: "{}", ascentM: -5, descentM: .nan, reportedHR: ReportedHeartRate(min: 0, avg: 0, max: 400)))
        #expect(w.isEmpty)
        #expect(ReportWriter.watchSection(w, Self.page(samples: ExerciseSamples(), ftpW: nil, calories: nil).exercise, nil) == "")
    }
}
