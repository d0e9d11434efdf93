import Foundation
import Testing
@testable import PolarPipeCore

/// The user page's power records per sport and the heatmap of all of a user's routes, as an athlete reads them.
@Suite struct UserPowerAndHeatmapTests {
    static let day: Int64 = 86_400_000
    static let start: Int64 = Int64(PolarTime.daysFromCivil(2025, 2, 3)) * day + 8 * 3_600_000

    static func overview(_ id: Int64, _ sport: String, day: Int64, best20: Double?, np: Double?, gps: Int = 0) -> ExerciseOverview {
        var stats = ExerciseStatistics(durationS: 3_600)
        stats.gpsPoints = gps
        if let best20 {
            var p = PowerStatistics()
            p.avgW = best20 - 20
            p.best20minW = best20
            p.best5sW = best20 * 2
            p.normalizedW = np
            stats.power = p
        }
        return ExerciseOverview(exercise: ExerciseRecord(id: id, userID: 1, fileID: id, exerciseIndex: 0, sport: sport,
                                                         startUTCMillis: start + day * Self.day, tzOffsetMinutes: 60, durationS: 3_600,
                                                         distanceM: 30_000, calories: nil), stats: stats)
    }

    /// What `update_user_statistics` reads of an exercise.
    static func summary(_ o: ExerciseOverview) -> ExerciseSummary {
        let e = o.exercise, p = o.stats?.power
        var s = ExerciseSummary(sport: e.sport, startUTCMillis: e.startUTCMillis, durationS: e.durationS, distanceM: e.distanceM, calories: nil,
                                hrSamples: 0, hrSum: 0, tzOffsetMinutes: e.tzOffsetMinutes ?? 0)
        s.exerciseID = e.id
        (s.best5sW, s.best20minW, s.normalizedW) = (p?.best5sW, p?.best20minW, p?.normalizedW)
        return s
    }

    /// The page of a user with `exercises`: the records as stored from all of them, the newest `shown` as the recent ones.
    static func userPage(_ exercises: [ExerciseOverview], shown: Int = 10_000, routes: [RouteSketch] = [], tiles: MapTiles? = nil) -> String {
        let user = UserRecord(id: 1, userKey: "ann", polarUserID: nil, physical: PhysicalInformation(), updatedAt: 0)
        let recent = exercises.sorted { $0.exercise.startUTCMillis > $1.exercise.startUTCMillis }.prefix(shown)
        var page = ReportWriter.UserPage(user: user, stats: UserStatistics.compute([]), recent: Array(recent), weekly: [], load: [],
                                         records: PersonalRecord.compute(exercises.map(summary)), routes: routes, mapTiles: tiles)
        for o in exercises where !recent.contains(where: { $0.exercise.id == o.exercise.id }) {
            page.recordOffsets[o.exercise.id] = .some(o.exercise.tzOffsetMinutes)
        }
        return ReportWriter.userPage(page, generatedAt: start + 30 * day)
    }

    /// The part of a page from `from` to the next `</section>`.
    static func section(_ html: String, _ from: String) -> String {
        guard let a = html.range(of: from), let b = html.range(of: "</section>", range: a.upperBound ..< html.endIndex) else { return "" }
        return String(html[a.lowerBound ..< b.lowerBound])
    }

    @Test func powerRecordsArePerSportAndTheEarliestWinsATie() {
        let recent = [Self.overview(1, "ROAD_BIKING", day: 0, best20: 240, np: 251), Self.overview(2, "ROAD_BIKING", day: 3, best20: 262, np: 251),
                      Self.overview(3, "ROAD_BIKING", day: 5, best20: 262, np: 248), Self.overview(4, "RUNNING", day: 6, best20: 310, np: 300),
                      Self.overview(5, "RUNNING", day: 7, best20: nil, np: nil)]
        let records = PersonalRecord.compute(recent.map(Self.summary)).filter { PowerRecords.isPower($0.record) }
        let bike = records.filter { $0.sport == "ROAD_BIKING" }
        #expect(bike.first { $0.record == "best_power_20min" }.map { ($0.value, $0.exerciseID) } ?? (0, 0) == (262, 2))
        #expect(bike.first { $0.record == "best_np" }.map { ($0.value, $0.exerciseID) } ?? (0, 0) == (251, 1))
        #expect(bike.map(\.record) == ["best_power_5s", "best_power_20min", "best_np"])
        #expect(records.filter { $0.sport == "RUNNING" }.first { $0.record == "best_power_20min" }?.exerciseID == 4)
        // More watts are better; power stays per sport: the runner's 310 W is no best over all sports.
        #expect(records.allSatisfy { !$0.smallerIsBetter })
        let overall = PersonalRecord.overall(PersonalRecord.compute(recent.map(Self.summary)))
        #expect(overall.map(\.record) == ["longest_distance", "longest_duration"])

        let html = Self.userPage(recent)
        let ride = Self.section(html, "<section id=\"sport-ROAD_BIKING\">")
        #expect(ride.contains("<td>Best 20 min power</td><td class=\"n\">262 W</td><td><a href=\"../exercises/2.html\">2025-02-06 09:00 (+01:00)</a>"))
        #expect(ride.contains("<td>Best normalized power</td><td class=\"n\">251 W</td>") && ride.contains("<td>Best 5 s power</td><td class=\"n\">524 W</td>"))
        #expect(Self.section(html, "<section id=\"sport-RUNNING\">").contains("<td>Best 20 min power</td><td class=\"n\">310 W</td>"))
        #expect(!html.contains("No ride has power samples"))
    }

    /// The best 20 min power of an old ride that the page no longer lists among its exercises is still the record.
    @Test func anOldRidesPowerRecordIsShownWhenTheRideIsNoLongerAmongTheRecentOnes() {
        var rides = [Self.overview(1, "ROAD_BIKING", day: 0, best20: 305, np: 290)]
        for n in 1 ... 4 {
            rides.append(Self.overview(Int64(n + 1), "ROAD_BIKING", day: Int64(10 * n), best20: 240 + Double(n), np: 230))
        }
        let html = Self.userPage(rides, shown: 3)
        let listed = Self.section(html, "<h2>Recent exercises</h2>")
        #expect(listed.contains("exercises/3.html") && !listed.contains("exercises/2.html") && !listed.contains("exercises/1.html"))
        let ride = Self.section(html, "<section id=\"sport-ROAD_BIKING\">")
        #expect(ride.contains("<td>Best 20 min power</td><td class=\"n\">305 W</td><td><a href=\"../exercises/1.html\">2025-02-03 09:00 (+01:00)</a>"),
                "\(ride)")
        #expect(ride.contains("<td>Best normalized power</td><td class=\"n\">290 W</td><td><a href=\"../exercises/1.html\">"))
        #expect(ride.contains("<td>Best 5 s power</td><td class=\"n\">610 W</td>"))
    }

    @Test func anAthleteWithoutAPowerMeterIsToldOnceNotShownEmptyRecords() {
        let html = Self.userPage([Self.overview(1, "ROAD_BIKING", day: 0, best20: nil, np: nil),
                                  Self.overview(2, "MOUNTAIN_BIKING", day: 1, best20: nil, np: nil),
                                  Self.overview(3, "RUNNING", day: 2, best20: nil, np: nil)])
        #expect(html.components(separatedBy: "No ride has power samples").count == 2)
        #expect(!html.contains("power</td>"))
        // Running power does not make a ride's power meter: the rides still say they have none.
        let runner = Self.userPage([Self.overview(1, "ROAD_BIKING", day: 0, best20: nil, np: nil),
                                    Self.overview(2, "RUNNING", day: 1, best20: 280, np: 275)])
        #expect(Self.section(runner, "<section id=\"sport-ROAD_BIKING\">").contains("No ride has power samples"))
        #expect(Self.section(runner, "<section id=\"sport-RUNNING\">").contains("<td>Best 20 min power</td>"))
    }

    /// A loop around a point, `n` points.
    static func loop(_ id: Int64, lat: Double, lon: Double, radiusDeg: Double = 0.01, n: Int = 120) -> RouteSketch {
        let angles = (0 ..< n).map { Double($0) / Double(n) * 2 * Double.pi }
        return RouteSketch(exerciseID: id, latitude: angles.map { lat + radiusDeg * sin($0) }, longitude: angles.map { lon + radiusDeg * 2 * cos($0) })
    }

    @Test func theHeatmapDrawsEveryRouteNearHomeDarkerWhereMorePassAndCountsTheRest() throws {
        // A long ride from home 120 km east (its middle is 60 km away) belongs to home; a holiday in Barcelona does not.
        let ride = RouteSketch(exerciseID: 5, latitude: Array(repeating: 60.17, count: 100), longitude: (0 ..< 100).map { 24.94 + Double($0) * 0.0218 })
        let routes = [Self.loop(1, lat: 60.17, lon: 24.94), Self.loop(2, lat: 60.17, lon: 24.94), Self.loop(3, lat: 60.18, lon: 24.95),
                      Self.loop(4, lat: 41.39, lon: 2.17), ride]
        let drawing = try #require(RouteHeatmap.draw(routes, tiles: nil))
        #expect(drawing.drawn == 4 && drawing.elsewhere == 1)
        // Routes 1 and 2 are the same loop: their cells are passed at least twice; loop 3 and the ride cross them.
        #expect((2 ... 4).contains(drawing.busiestCell))
        #expect(drawing.svg.contains("Heatmap of 4 routes") && drawing.svg.contains("from 1 (light) to \(drawing.busiestCell) (dark)"))
        #expect(drawing.svg.contains("fill=\"\(RouteHeatmap.colours[4])\"") && drawing.svg.contains("fill=\"\(RouteHeatmap.colours[0])\""))
        #expect(drawing.svg.contains("<g class=\"scale\">") && !drawing.svg.contains("<image"))

        let html = Self.userPage([Self.overview(1, "RUNNING", day: 0, best20: nil, np: nil, gps: 120)], routes: routes)
        let section = Self.section(html, "<h2>Where you train</h2>")
        #expect(section.contains("4 routes, darker where more of them pass; 1 route elsewhere (never within 50 km of the others) not drawn."))
    }

    @Test func routesOfSeveralSportsGetAHeatmapPerSport() throws {
        let recent = [Self.overview(1, "RUNNING", day: 0, best20: nil, np: nil, gps: 120), Self.overview(2, "RUNNING", day: 1, best20: nil, np: nil, gps: 120),
                      Self.overview(3, "ROAD_BIKING", day: 2, best20: nil, np: nil, gps: 120)]
        let routes = [Self.loop(1, lat: 60.17, lon: 24.94), Self.loop(2, lat: 60.18, lon: 24.95), Self.loop(3, lat: 60.20, lon: 25.00, radiusDeg: 0.05)]
        let section = Self.section(Self.userPage(recent, routes: routes), "<h2>Where you train</h2>")
        #expect(section.contains("3 routes, darker where more of them pass."))
        // The sport with the most routes first, each with its own drawing of only its routes.
        let running = try #require(section.range(of: "<summary>Running: 2 routes</summary>"))
        let riding = try #require(section.range(of: "<summary>Road biking: 1 route</summary>"))
        #expect(running.lowerBound < riding.lowerBound)
        #expect(section.contains("Heatmap of 2 routes") && section.contains("Heatmap of 1 route"))
        // One sport only: no second copy of the same map.
        let runner = Self.section(Self.userPage(Array(recent.prefix(2)), routes: Array(routes.prefix(2))), "<h2>Where you train</h2>")
        #expect(!runner.contains("<details class=\"heatmap-sport\">"))
    }

    @Test func theHeatmapLiesOnTheConfiguredMapTiles() throws {
        let tiles = try #require(MapTiles(template: "https://tiles.example.org/{z}/{x}/{y}.png"))
        let drawing = try #require(RouteHeatmap.draw([Self.loop(1, lat: 60.17, lon: 24.94)], tiles: tiles))
        #expect(drawing.svg.contains("<image href=\"https://tiles.example.org/"))
        #expect(drawing.svg.contains("map: tiles.example.org") && drawing.svg.contains("1 route</text>"))
    }

    @Test func aUserWithoutRoutesIsToldWhereTheHeatmapComesFrom() {
        let invalid = RouteSketch(exerciseID: 1, latitude: [0, 91, .nan], longitude: [0, 10, 10])
        #expect(RouteHeatmap.draw([invalid], tiles: nil) == nil)
        let html = Self.userPage([Self.overview(1, "TENNIS", day: 0, best20: nil, np: nil)], routes: [invalid])
        #expect(Self.section(html, "<h2>Where you train</h2>").contains("No exercise has a GPS route"))
    }

    @Test func theHeatmapsWorkIsBoundedWhateverTheStoreReturns() throws {
        // Far more routes and points than asked for: only the newest 500 routes, 200 points each, are looked at.
        let many = (0 ..< 800).map { Self.loop(Int64($0), lat: 60.17, lon: 24.94, n: 1_000) }
        let drawing = try #require(RouteHeatmap.draw(many, tiles: nil))
        #expect(drawing.drawn == RouteHeatmap.maxExercises)
        // At most one square per cell of the 100 × 100 grid.
        #expect(drawing.svg.components(separatedBy: "h3v3h-3z").count - 1 <= 10_000)
    }
}
