import Foundation
@testable import PolarPipeCore

/// The statistics of a decoded session, computed as `calculate_exercise_statistics` and `update_user_statistics`
/// compute them: samples filtered as the load tasks filter them, the session's HR profile, then the user totals,
/// weekly table, daily load and records of its exercises.
enum StatisticsCheck {
    static func check(_ session: TrainingSession) {
        var summaries: [ExerciseSummary] = []
        for exercise in session.exercises {
            var samples = exercise.samples
            samples.heartRate = SampleFilters.validHeartRate(exercise.samples.heartRate)
            samples.route = SampleFilters.validRoute(exercise.samples.route)
            let profile = HeartRateProfile.resolve(session: session.physical, user: nil, startLocalMillis: exercise.startLocalMillis)
            let stats = ExerciseStatistics.compute(durationS: exercise.durationS, reportedDistanceM: exercise.distanceM,
                                                   samples: samples, profile: profile)
            require(stats.hrSamples <= samples.heartRate.count, "more valid HR samples than HR samples")
            var summary = ExerciseSummary(sport: exercise.sport, startUTCMillis: exercise.startUTCMillis, durationS: exercise.durationS,
                                          distanceM: stats.distanceM, calories: exercise.calories, hrSamples: stats.hrSamples,
                                          hrSum: stats.hrSum, trimp: stats.trimp, tzOffsetMinutes: exercise.tzOffsetMinutes ?? 0)
            summary.best1kmS = stats.best1kmS
            summary.best5kmS = stats.best5kmS
            summary.best10kmS = stats.best10kmS
            let p = stats.power
            (summary.best5sW, summary.best1minW, summary.best5minW, summary.best20minW, summary.normalizedW)
                = (p?.best5sW, p?.best1minW, p?.best5minW, p?.best20minW, p?.normalizedW)
            summaries.append(summary)
        }
        let user = UserStatistics.compute(summaries)
        require(user.totalExercises == summaries.count, "user totals count \(user.totalExercises) of \(summaries.count) exercises")
        _ = WeeklyTotals.compute(summaries.map { (1, $0) })
        var daily: [Int: Double] = [:]
        for s in summaries { daily[s.localDay, default: 0] += s.trimp ?? 0 }
        _ = DailyLoad.series(dailyTRIMP: daily)
        for r in PersonalRecord.compute(summaries) {
            require(r.value.isFinite && r.value > 0, "record \(r.record) of \(r.value)")
            require(!PowerRecords.isPower(r.record) || summaries.contains { $0.sport == r.sport && PowerRecords.value(r.record, $0) == r.value },
                    "power record \(r.record) that no exercise of its sport has")
        }
    }
}
