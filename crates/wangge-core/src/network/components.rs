//! Connected components of the network: a disconnected island cannot be walked to from the rest,
//! so an import reports how many there are and how much road the largest one holds.

use super::graph::Network;

/// The connected components of a network.
#[derive(Debug, Clone, PartialEq)]
pub struct Components {
    /// Component id of every node.
    pub of_node: Vec<u32>,
    /// Node count of every component, largest first.
    pub sizes: Vec<usize>,
}

impl Components {
    /// Labels the components of `net` (ids ordered by size, largest = 0; ties by lowest node).
    pub fn of(net: &Network) -> Components {
        let n = net.node_count();
        let mut label = vec![u32::MAX; n];
        let mut sizes: Vec<(usize, u32)> = Vec::new();
        let mut stack = Vec::new();
        for start in 0..n as u32 {
            if label[start as usize] != u32::MAX {
                continue;
            }
            let id = sizes.len() as u32;
            label[start as usize] = id;
            stack.push(start);
            let mut count = 0;
            while let Some(v) = stack.pop() {
                count += 1;
                for &(w, _) in net.neighbours(v) {
                    if label[w as usize] == u32::MAX {
                        label[w as usize] = id;
                        stack.push(w);
                    }
                }
            }
            sizes.push((count, id));
        }
        // Renumber so that the largest component is 0.
        let mut order: Vec<(usize, u32)> = sizes.clone();
        order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut renumber = vec![0u32; order.len()];
        for (new, &(_, old)) in order.iter().enumerate() {
            renumber[old as usize] = new as u32;
        }
        let of_node = label.into_iter().map(|l| renumber[l as usize]).collect();
        Components { of_node, sizes: order.into_iter().map(|(s, _)| s).collect() }
    }

    /// Number of components.
    pub fn count(&self) -> usize {
        self.sizes.len()
    }

    /// Share of nodes in the largest component (0 for an empty network).
    pub fn largest_share(&self) -> f64 {
        let total: usize = self.sizes.iter().sum();
        if total == 0 { 0.0 } else { self.sizes[0] as f64 / total as f64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Coord;

    #[test]
    fn two_islands() {
        let a = [(0.0, 0.0), (0.001, 0.0), (0.002, 0.0)].map(Coord::from);
        let b = [(1.0, 0.0), (1.001, 0.0)].map(Coord::from);
        let net = Network::from_polylines([&b[..], &a[..]]);
        let c = Components::of(&net);
        assert_eq!(c.sizes, vec![3, 2]);
        assert_eq!(c.of_node[0], 1, "the two-node island is the smaller one");
        assert!((c.largest_share() - 0.6).abs() < 1e-12);
    }
}
