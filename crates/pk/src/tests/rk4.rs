//! An independent reference: classical RK4 on ODEs re-typed from PK.md / nlmixr2lib (not built
//! from the crate's matrices), integrated piecewise between input events with a small step.

/// An input for the reference integrator: bolus or constant rate into a state.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RefInput {
    Bolus { t: f64, state: usize, amount: f64 },
    Rate { t0: f64, t1: f64, state: usize, rate: f64 },
}

/// States at `times`; `deriv(x, rates, dx)` must add the model's flows to `dx` (rates are the
/// constant inputs of the current segment and are added by the integrator).
pub(crate) fn integrate(n: usize, deriv: &dyn Fn(&[f64], &mut [f64]), inputs: &[RefInput], times: &[f64], h: f64) -> Vec<Vec<f64>> {
    let mut breaks: Vec<f64> = times.to_vec();
    for i in inputs {
        match *i {
            RefInput::Bolus { t, .. } => breaks.push(t),
            RefInput::Rate { t0, t1, .. } => breaks.extend([t0, t1]),
        }
    }
    breaks.sort_by(f64::total_cmp);
    breaks.dedup();
    let mut x = vec![0.0; n];
    let mut now = 0.0;
    let mut out = Vec::new();
    let mut ti = 0;
    for &b in &breaks {
        // Integrate [now, b] with the rates active inside it.
        if b > now {
            let mid = 0.5 * (now + b);
            let mut rates = vec![0.0; n];
            for i in inputs {
                if let RefInput::Rate { t0, t1, state, rate } = *i
                    && t0 <= mid
                    && mid < t1
                {
                    rates[state] += rate;
                }
            }
            let f = |x: &[f64]| {
                let mut dx = rates.clone();
                deriv(x, &mut dx);
                dx
            };
            let mut steps = 1_u32;
            while (b - now) / f64::from(steps) > h {
                steps += 1;
            }
            let dt = (b - now) / f64::from(steps);
            for _ in 0..steps {
                let k1 = f(&x);
                let x2: Vec<f64> = x.iter().zip(&k1).map(|(a, k)| a + 0.5 * dt * k).collect();
                let k2 = f(&x2);
                let x3: Vec<f64> = x.iter().zip(&k2).map(|(a, k)| a + 0.5 * dt * k).collect();
                let k3 = f(&x3);
                let x4: Vec<f64> = x.iter().zip(&k3).map(|(a, k)| a + dt * k).collect();
                let k4 = f(&x4);
                for j in 0..n {
                    x[j] += dt / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
                }
            }
            now = b;
        }
        for i in inputs {
            if let RefInput::Bolus { t, state, amount } = *i
                && t == b
            {
                x[state] += amount;
            }
        }
        while ti < times.len() && times[ti] == b {
            out.push(x.clone());
            ti += 1;
        }
    }
    out
}
